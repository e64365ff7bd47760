// esp_mem_wr: the write half of the engine's AXI4 master (AW, W, B).
//
// A job writes `beats_i` consecutive 64-byte beats at the beat-aligned byte
// address `addr_i` (low bits ignored), as INCR bursts of full-width beats that
// never cross a 4 KiB boundary (at most 64 beats each). A job is taken in the
// cycle it starts (ready_o: one job per cycle) into two queues of QDepth
// jobs: the address issuer sends its bursts on AW back to back, the data
// streamer its beats on W, one per cycle, with no gap between jobs.
//
// Beat source (a buffer with one cycle of read latency, esp_pkt_ram, or a
// combinational image): in the cycle the streamer reads beat src_idx_o of
// the job whose payload is src_pay_o it raises src_re_o; in the next cycle
// the source presents that beat as src_data_i / src_strb_i for fmt_idx_o /
// fmt_pay_o (fmt_valid_o; fmt_jlast_o: the job's last beat), and the beat goes
// onto W (when nothing waits before it) or into a small W FIFO. The streamer reads ahead only while that FIFO has
// room, so W backpressure never loses a beat. `pay_i` travels with the job
// (what the source needs to make its beats).
//
// done_o / done_tag_o pulse once every write response (B) of a job has
// arrived: the data is then in card memory, so a following read sees it. Up
// to `Jobs` jobs wait for their responses at once (AXI returns the responses
// of one ID in order); q_count_o: the jobs taken whose data has not started
// on W (the client may keep room in the queue for a more urgent writer).
//
// Cycles: AW 1 cycle after the job is taken, its first W beat 2 cycles
// after (the source read), then one beat per cycle (+ backpressure), B after
// the write latency; jobs back to back stream without a gap.
`default_nettype none

module esp_mem_wr
  import esp_spec_pkg::*;
  import esp_mem_pkg::*;
#(
  parameter int unsigned TagW = 4,
  parameter int unsigned Jobs = 32,
  parameter int unsigned PayW = 8,
  parameter int unsigned QDepth = 4,
  localparam int unsigned Qw = $clog2(QDepth),
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES
) (
  input  wire logic                     clk_i,
  input  wire logic                     rst_ni,

  input  wire logic                     start_i,   // only when ready_o
  input  wire logic [63:0]              addr_i,
  input  wire logic [15:0]              beats_i,   // >= 1
  input  wire logic [TagW-1:0]          tag_i,
  input  wire logic [PayW-1:0]          pay_i,
  output      logic                     ready_o,
  output      logic [Qw:0]              q_count_o,
  output      logic                     busy_o,    // a job is queued, streaming or waiting for responses
  output      logic                     done_o,
  output      logic [TagW-1:0]          done_tag_o,

  output      logic                     src_re_o,
  output      logic [15:0]              src_idx_o,
  output      logic [PayW-1:0]          src_pay_o,
  output      logic                     fmt_valid_o,
  output      logic                     fmt_jlast_o,
  output      logic [15:0]              fmt_idx_o,
  output      logic [PayW-1:0]          fmt_pay_o,
  input  wire logic [Dw-1:0]            src_data_i,
  input  wire logic [PKT_BUS_BYTES-1:0] src_strb_i,

  output      axi_wr_req_t axi_o,
  input  wire axi_wr_rsp_t axi_i
);

  localparam int unsigned BeatShift = $clog2(PKT_BUS_BYTES);
  localparam int unsigned PageShift = 12;
  localparam int unsigned PageBeats = 1 << (PageShift - BeatShift);
  localparam int unsigned Pw = PageShift - BeatShift;
  localparam int unsigned WfDepth = 4;           // W beats formatted ahead of the bus

  // beats from a (page offset in beats) to the end of its 4 KiB page, at most left
  function automatic logic [15:0] burst_beats(logic [Pw-1:0] a, logic [15:0] left);
    logic [15:0] to_page;
    to_page = 16'(PageBeats) - 16'(a);
    return (left < to_page) ? left : to_page;
  endfunction

  // ------------------------------------------------------- address issuer
  logic        aq_valid, aq_pop, aq_ready;
  logic [63:0] aq_addr;
  logic [15:0] aq_beats;
  logic [Qw:0] unused_aq_count;
  esp_fifo_sync #(
    .Width (64 + 16),
    .Depth (QDepth)
  ) u_aq (
    .clk_i,
    .rst_ni,
    .wvalid_i (start_i),
    .wready_o (aq_ready),
    .wdata_i  ({addr_i, beats_i}),
    .rvalid_o (aq_valid),
    .rready_i (aq_pop),
    .rdata_o  ({aq_addr, aq_beats}),
    .count_o  (unused_aq_count)
  );

  // the rest of the job whose first burst has gone (else the queue's head)
  logic [63:0] aw_addr_q, aw_addr;
  logic [15:0] aw_left_q, aw_left, aw_beats;
  logic        aw_cur;
  assign aw_cur   = aw_left_q != '0;
  assign aw_addr  = aw_cur ? aw_addr_q : aq_addr;
  assign aw_left  = aw_cur ? aw_left_q : aq_beats;
  assign aw_beats = burst_beats(aw_addr[PageShift-1:BeatShift], aw_left);
  assign aq_pop   = !aw_cur && axi_i.aw_ready;   // the head's first burst goes

  assign axi_o.aw.addr  = {aw_addr[63:BeatShift], {BeatShift{1'b0}}};
  assign axi_o.aw.len   = 8'(aw_beats - 16'd1);
  assign axi_o.aw.size  = 3'(BeatShift);
  assign axi_o.aw.burst = 2'b01;
  assign axi_o.aw.cache = 4'b0011;
  assign axi_o.aw.prot  = 3'b000;
  assign axi_o.aw_valid = aw_cur | aq_valid;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      aw_addr_q <= '0;
      aw_left_q <= '0;
    end else if (axi_o.aw_valid && axi_i.aw_ready) begin
      aw_addr_q <= aw_addr + (64'(aw_beats) << BeatShift);
      aw_left_q <= aw_left - aw_beats;
    end
  end

  // ---------------------------------------------------------- data streamer
  // stage A: read beat a_idx_q of the queue's head job from the source
  logic            wq_valid, wq_pop, wq_ready;
  logic [63:0]     wq_addr;
  logic [15:0]     wq_beats;
  logic [PayW-1:0] wq_pay;
  esp_fifo_sync #(
    .Width (64 + 16 + PayW),
    .Depth (QDepth)
  ) u_wq (
    .clk_i,
    .rst_ni,
    .wvalid_i (start_i),
    .wready_o (wq_ready),
    .wdata_i  ({addr_i, beats_i, pay_i}),
    .rvalid_o (wq_valid),
    .rready_i (wq_pop),
    .rdata_o  ({wq_addr, wq_beats, wq_pay}),
    .count_o  (q_count_o)
  );

  logic [15:0]     a_idx_q;
  logic            a_go, a_jlast, a_blast;
  logic [Pw-1:0]   a_page_beat;
  // stage B: the source shows the beat read in stage A
  logic            b_valid_q, b_jlast_q, b_blast_q;
  logic [15:0]     b_idx_q;
  logic [PayW-1:0] b_pay_q;
  // W FIFO
  logic            wf_valid, wf_ready, wf_last;
  logic [$clog2(WfDepth):0] wf_count;

  assign a_page_beat = wq_addr[PageShift-1:BeatShift] + Pw'(a_idx_q);
  assign a_jlast = a_idx_q + 16'd1 == wq_beats;
  assign a_blast = a_jlast || (a_page_beat == '1);     // the burst ends at the page's end
  // room in the W FIFO for this beat and the one in stage B
  assign a_go    = wq_valid && (32'(wf_count) + 32'(b_valid_q) + 32'd1 < WfDepth);
  assign wq_pop  = a_go && a_jlast;

  assign src_re_o    = a_go;
  assign src_idx_o   = a_idx_q;
  assign src_pay_o   = wq_pay;
  assign fmt_valid_o = b_valid_q;
  assign fmt_jlast_o = b_jlast_q;
  assign fmt_idx_o   = b_idx_q;
  assign fmt_pay_o   = b_pay_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      a_idx_q   <= '0;
      b_valid_q <= 1'b0;
    end else begin
      if (a_go) a_idx_q <= a_jlast ? '0 : a_idx_q + 16'd1;
      b_valid_q <= a_go;
    end
  end

  always_ff @(posedge clk_i) begin
    if (a_go) begin
      b_idx_q   <= a_idx_q;
      b_pay_q   <= wq_pay;
      b_jlast_q <= a_jlast;
      b_blast_q <= a_blast;
    end
  end

  // The beat of stage B goes onto W at once when the FIFO is empty, and
  // into the FIFO unless W takes it there and then (the FIFO's head, the
  // same beat, is on W from the next cycle: W stays valid and unchanged).
  logic                     b_direct;
  logic [Dw-1:0]            wf_data;
  logic [PKT_BUS_BYTES-1:0] wf_strb;
  assign b_direct = b_valid_q && !wf_valid;
  esp_fifo_sync #(
    .Width (Dw + PKT_BUS_BYTES + 1),
    .Depth (WfDepth)
  ) u_wf (
    .clk_i,
    .rst_ni,
    .wvalid_i (b_valid_q && !(b_direct && axi_i.w_ready)),
    .wready_o (wf_ready),
    .wdata_i  ({src_data_i, src_strb_i, b_blast_q}),
    .rvalid_o (wf_valid),
    .rready_i (axi_i.w_ready),
    .rdata_o  ({wf_data, wf_strb, wf_last}),
    .count_o  (wf_count)
  );
  assign axi_o.w_valid = wf_valid || b_valid_q;
  assign axi_o.w_data  = wf_valid ? wf_data : src_data_i;
  assign axi_o.w_strb  = wf_valid ? wf_strb : src_strb_i;
  assign axi_o.w_last  = wf_valid ? wf_last : b_blast_q;

  // ------------------------------------------------------------- responses
  logic        job_wready, job_rvalid;
  logic [15:0] start_bursts, unused_resp_idx;
  // bursts of the job: one per 4 KiB page it touches
  assign start_bursts = 16'((32'(addr_i[PageShift-1:BeatShift]) + 32'(beats_i) - 32'd1) >> Pw) + 16'd1;
  esp_job_track #(
    .TagW (TagW),
    .Jobs (Jobs)
  ) u_jobs (
    .clk_i,
    .rst_ni,
    .push_i     (start_i),
    .push_n_i   (start_bursts),
    .push_tag_i (tag_i),
    .ready_o    (job_wready),
    .event_i    (axi_i.b_valid),
    .valid_o    (job_rvalid),
    .head_tag_o (done_tag_o),
    .head_idx_o (unused_resp_idx),
    .done_o     (done_o)
  );
  assign axi_o.b_ready = job_rvalid;

  assign ready_o = aq_ready && wq_ready && job_wready;
  assign busy_o  = aq_valid || aw_cur || wq_valid || b_valid_q || wf_valid || job_rvalid;

  logic unused_b;
  assign unused_b = ^{axi_i.b_resp, wq_addr[63:PageShift], wq_addr[BeatShift-1:0], unused_resp_idx,
                      unused_aq_count, wf_ready};

endmodule : esp_mem_wr

`default_nettype wire
