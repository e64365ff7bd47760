// esp_mem_rd: the read half of the engine's AXI4 master (AR and R channels).
//
// A job reads `beats_i` consecutive 64-byte beats from the beat-aligned byte
// address `addr_i` (its low bits are ignored) and carries `tag_i` (whose it
// is). A job is taken in the cycle it starts (ready_o: one job per cycle)
// into a queue of QDepth jobs; the address issuer requests each as INCR
// bursts of full-width beats, split so that no burst crosses a 4 KiB
// boundary (at most 64 beats each), back to back without waiting for data:
// up to `Jobs` jobs are outstanding, so their latencies overlap. AXI returns
// the data of one ID in order; every R beat is handed out in order with its
// job's tag and its index in the job (beat_valid_o / beat_tag_o /
// beat_idx_o / beat_data_o, one cycle per beat; R is ready while a job is
// outstanding and stall_i is low: the only backpressure, for a consumer
// whose write port is sometimes taken). done_o / done_tag_o pulse with a
// job's last beat.
//
// Cycles: 1 (taken) + 1 per burst address + read latency + 1 per beat; jobs
// back to back overlap their latency.
// Bus error responses (RRESP) are not reported (the harness records them).
`default_nettype none

module esp_mem_rd
  import esp_spec_pkg::*;
  import esp_mem_pkg::*;
#(
  parameter int unsigned TagW = 4,
  parameter int unsigned Jobs = 32,
  parameter int unsigned QDepth = 4,
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES
) (
  input  wire logic            clk_i,
  input  wire logic            rst_ni,

  input  wire logic            start_i,   // only when ready_o
  input  wire logic [63:0]     addr_i,
  input  wire logic [15:0]     beats_i,   // >= 1
  input  wire logic [TagW-1:0] tag_i,
  output      logic            ready_o,
  output      logic            busy_o,    // a job is outstanding
  output      logic            done_o,
  output      logic [TagW-1:0] done_tag_o,

  input  wire logic            stall_i,   // R not ready this cycle
  output      logic            beat_valid_o,
  output      logic [TagW-1:0] beat_tag_o,
  output      logic [15:0]     beat_idx_o,
  output      logic [Dw-1:0]   beat_data_o,

  output      axi_rd_req_t axi_o,
  input  wire axi_rd_rsp_t axi_i
);

  localparam int unsigned BeatShift = $clog2(PKT_BUS_BYTES);     // 6
  localparam int unsigned PageShift = 12;                        // 4 KiB: no burst crosses it
  localparam int unsigned PageBeats = 1 << (PageShift - BeatShift);

  // ------------------------------------------------------------ addresses
  logic        aq_valid, aq_pop, aq_ready;
  logic [63:0] aq_addr;
  logic [15:0] aq_beats;
  logic [$clog2(QDepth):0] unused_aq_count;
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
  logic [63:0] ar_addr_q, ar_addr;
  logic [15:0] ar_left_q, ar_left, ar_beats, to_page;
  logic        ar_cur;
  assign ar_cur   = ar_left_q != '0;
  assign ar_addr  = ar_cur ? ar_addr_q : aq_addr;
  assign ar_left  = ar_cur ? ar_left_q : aq_beats;
  // Beats of the next burst: the rest, but not past the 4 KiB page.
  assign to_page  = 16'(PageBeats) - 16'(ar_addr[PageShift-1:BeatShift]);
  assign ar_beats = (ar_left < to_page) ? ar_left : to_page;
  assign aq_pop   = !ar_cur && axi_i.ar_ready;

  assign axi_o.ar.addr  = {ar_addr[63:BeatShift], {BeatShift{1'b0}}};
  assign axi_o.ar.len   = 8'(ar_beats - 16'd1);
  assign axi_o.ar.size  = 3'(BeatShift);
  assign axi_o.ar.burst = 2'b01;    // INCR
  assign axi_o.ar.cache = 4'b0011;
  assign axi_o.ar.prot  = 3'b000;
  assign axi_o.ar_valid = ar_cur | aq_valid;

  // ------------------------------------------------------- outstanding jobs
  logic        job_valid, job_ready, last_beat;
  logic [15:0] r_idx;
  esp_job_track #(
    .TagW (TagW),
    .Jobs (Jobs)
  ) u_jobs (
    .clk_i,
    .rst_ni,
    .push_i     (start_i),
    .push_n_i   (beats_i),
    .push_tag_i (tag_i),
    .ready_o    (job_ready),
    .event_i    (beat_valid_o),
    .valid_o    (job_valid),
    .head_tag_o (beat_tag_o),
    .head_idx_o (r_idx),
    .done_o     (last_beat)
  );

  assign ready_o = aq_ready && job_ready;
  assign busy_o  = job_valid;   // every queued job is tracked from its start

  // ----------------------------------------------------------------- data
  assign axi_o.r_ready = job_valid & !stall_i;
  assign beat_valid_o = job_valid & !stall_i & axi_i.r_valid;
  assign beat_idx_o   = r_idx;
  assign beat_data_o  = axi_i.r_data;
  assign done_o       = last_beat;
  assign done_tag_o   = beat_tag_o;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ar_addr_q <= '0;
      ar_left_q <= '0;
    end else if (axi_o.ar_valid && axi_i.ar_ready) begin
      ar_addr_q <= ar_addr + (64'(ar_beats) << BeatShift);
      ar_left_q <= ar_left - ar_beats;
    end
  end

  logic unused_r;
  assign unused_r = ^{axi_i.r_resp, axi_i.r_last, unused_aq_count};

endmodule : esp_mem_rd

`default_nettype wire
