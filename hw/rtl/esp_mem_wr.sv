// esp_mem_wr: the write half of the engine's AXI4 master (AW, W, B).
//
// A job writes `beats_i` consecutive 64-byte beats at the beat-aligned byte
// address `addr_i` (low bits ignored), as INCR bursts of full-width beats that
// never cross a 4 KiB boundary (at most 64 beats each). The addresses of all
// bursts are issued back to back; W beats stream independently.
//
// Beat source: the beat on W is number w_idx_o, with data src_data_i and
// strobes src_strb_i. A source with one cycle of read latency (esp_pkt_ram,
// whose output holds while not read) is driven by src_re_o / src_idx_o: beat
// 0 is fetched in the cycle after start, beat k+1 in the cycle beat k is
// accepted, so W carries one beat per cycle. A combinational source simply
// decodes w_idx_o.
//
// done_o / done_tag_o pulse once every write response (B) of a job has
// arrived: the data is then in card memory, so a following read sees it.
// The next job may start (ready_o) as soon as the last W beat of the one
// before is accepted: up to `Jobs` jobs wait for their responses at once,
// and AXI returns the responses of one ID in order.
//
// Cycles: 2 + beats (+ backpressure) + write latency; jobs back to back
// overlap their latency.
`default_nettype none

module esp_mem_wr
  import esp_spec_pkg::*;
  import esp_mem_pkg::*;
#(
  parameter int unsigned TagW = 4,
  parameter int unsigned Jobs = 4,
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES
) (
  input  wire logic                     clk_i,
  input  wire logic                     rst_ni,

  input  wire logic                     start_i,   // only when ready_o
  input  wire logic [63:0]              addr_i,
  input  wire logic [15:0]              beats_i,   // >= 1
  input  wire logic [TagW-1:0]          tag_i,
  output      logic                     ready_o,
  output      logic                     busy_o,    // a job is issuing or waiting for responses
  output      logic                     done_o,
  output      logic [TagW-1:0]          done_tag_o,

  output      logic                     src_re_o,
  output      logic [15:0]              src_idx_o,
  output      logic [15:0]              w_idx_o,
  input  wire logic [Dw-1:0]            src_data_i,
  input  wire logic [PKT_BUS_BYTES-1:0] src_strb_i,

  output      axi_wr_req_t axi_o,
  input  wire axi_wr_rsp_t axi_i
);

  localparam int unsigned BeatShift = $clog2(PKT_BUS_BYTES);
  localparam int unsigned PageShift = 12;
  localparam int unsigned PageBeats = 1 << (PageShift - BeatShift);

  typedef enum logic [1:0] {
    StIdle,
    StFetch,   // beat 0 is being read from the source
    StRun
  } state_e;

  state_e      state_q, state_d;
  logic [63:0] aw_addr_q, aw_addr_d;
  logic [15:0] aw_left_q, aw_left_d;
  logic [63:0] w_addr_q, w_addr_d;      // address of the beat on W (burst split)
  logic [15:0] w_left_q, w_left_d;
  logic [15:0] w_idx_q, w_idx_d;
  logic [7:0]  w_in_burst_q, w_in_burst_d;  // beats left in the W burst, 0 = new burst

  // a: the page offset bits [PageShift-1:BeatShift] of the burst address
  function automatic logic [15:0] burst_beats(logic [PageShift-BeatShift-1:0] a, logic [15:0] left);
    logic [15:0] to_page;
    to_page = 16'(PageBeats) - 16'(a);
    return (left < to_page) ? left : to_page;
  endfunction

  logic [15:0] aw_beats, w_new_beats;
  logic [7:0]  w_cur;
  assign aw_beats    = burst_beats(aw_addr_q[PageShift-1:BeatShift], aw_left_q);
  assign w_new_beats = burst_beats(w_addr_q[PageShift-1:BeatShift], w_left_q);
  assign w_cur       = (w_in_burst_q == '0) ? 8'(w_new_beats) : w_in_burst_q;

  assign axi_o.aw.addr  = {aw_addr_q[63:BeatShift], {BeatShift{1'b0}}};
  assign axi_o.aw.len   = 8'(aw_beats - 16'd1);
  assign axi_o.aw.size  = 3'(BeatShift);
  assign axi_o.aw.burst = 2'b01;
  assign axi_o.aw.cache = 4'b0011;
  assign axi_o.aw.prot  = 3'b000;
  assign axi_o.aw_valid = (state_q == StRun) & (aw_left_q != '0);
  assign axi_o.w_valid  = (state_q == StRun) & (w_left_q != '0);
  assign axi_o.w_data   = src_data_i;
  assign axi_o.w_strb   = src_strb_i;
  assign axi_o.w_last   = w_cur == 8'd1;
  // Jobs waiting for their responses, oldest first.
  logic        job_wready, job_rvalid;
  logic [15:0] start_bursts, unused_resp_idx;
  // bursts of the job: one per 4 KiB page it touches
  assign start_bursts = 16'((32'(addr_i[PageShift-1:BeatShift]) + 32'(beats_i) - 32'd1) >> (PageShift - BeatShift))
                        + 16'd1;
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

  assign ready_o = (state_q == StIdle) && job_wready;
  assign busy_o  = (state_q != StIdle) || job_rvalid;
  assign w_idx_o = w_idx_q;

  always_comb begin
    state_d      = state_q;
    aw_addr_d    = aw_addr_q;
    aw_left_d    = aw_left_q;
    w_addr_d     = w_addr_q;
    w_left_d     = w_left_q;
    w_idx_d      = w_idx_q;
    w_in_burst_d = w_in_burst_q;
    src_re_o     = 1'b0;
    src_idx_o    = '0;
    unique case (state_q)
      StIdle: begin
        if (start_i) begin
          aw_addr_d    = addr_i;
          aw_left_d    = beats_i;
          w_addr_d     = addr_i;
          w_left_d     = beats_i;
          w_idx_d      = '0;
          w_in_burst_d = '0;
          state_d      = StFetch;
        end
      end
      StFetch: begin
        src_re_o  = 1'b1;
        src_idx_o = '0;
        state_d   = StRun;
      end
      StRun: begin
        if (axi_o.aw_valid && axi_i.aw_ready) begin
          aw_addr_d = aw_addr_q + (64'(aw_beats) << BeatShift);
          aw_left_d = aw_left_q - aw_beats;
        end
        if (axi_o.w_valid && axi_i.w_ready) begin
          w_in_burst_d = w_cur - 8'd1;
          w_addr_d     = w_addr_q + 64'(PKT_BUS_BYTES);
          w_left_d     = w_left_q - 16'd1;
          w_idx_d      = w_idx_q + 16'd1;
          src_re_o     = w_left_d != '0;
          src_idx_o    = w_idx_d;
        end
        if (aw_left_d == '0 && w_left_d == '0) state_d = StIdle;
      end
      default: state_d = StIdle;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q      <= StIdle;
      aw_addr_q    <= '0;
      aw_left_q    <= '0;
      w_addr_q     <= '0;
      w_left_q     <= '0;
      w_idx_q      <= '0;
      w_in_burst_q <= '0;
    end else begin
      state_q      <= state_d;
      aw_addr_q    <= aw_addr_d;
      aw_left_q    <= aw_left_d;
      w_addr_q     <= w_addr_d;
      w_left_q     <= w_left_d;
      w_idx_q      <= w_idx_d;
      w_in_burst_q <= w_in_burst_d;
    end
  end

  logic unused_b;
  assign unused_b = ^{axi_i.b_resp, w_new_beats[15:8], w_addr_q[63:PageShift], w_addr_q[BeatShift-1:0], unused_resp_idx};

endmodule : esp_mem_wr

`default_nettype wire
