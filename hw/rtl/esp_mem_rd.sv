// esp_mem_rd: the read half of the engine's AXI4 master (AR and R channels).
//
// A job reads `beats_i` consecutive 64-byte beats from the beat-aligned byte
// address `addr_i` (its low bits are ignored) and carries `tag_i` (whose it
// is). The range is requested as INCR bursts of full-width beats, split so
// that no burst crosses a 4 KiB boundary (at most 64 beats each); bursts are
// issued back to back without waiting for data, and the next job's bursts
// follow as soon as the last address of the one before is accepted: up to
// `Jobs` jobs are outstanding, so their latencies overlap. AXI returns the
// data of one ID in order; every R beat is handed out in order with its
// job's tag and its index in the job (beat_valid_o / beat_tag_o /
// beat_idx_o / beat_data_o, one cycle per beat, no backpressure: R is
// always ready while a job is outstanding). done_o / done_tag_o pulse with a
// job's last beat. ready_o: a job can start this cycle.
//
// Cycles: 1 (start) + 1 per burst address + read latency + 1 per beat; jobs
// back to back overlap their latency.
// Bus error responses (RRESP) are not reported (the harness records them).
`default_nettype none

module esp_mem_rd
  import esp_spec_pkg::*;
  import esp_mem_pkg::*;
#(
  parameter int unsigned TagW = 4,
  parameter int unsigned Jobs = 4,
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
  logic [63:0] ar_addr_q;   // next burst's address
  logic [15:0] ar_left_q;   // beats of the current job not yet requested

  // Beats of the next burst: the rest, but not past the 4 KiB page.
  logic [15:0] to_page, ar_beats;
  assign to_page  = 16'(PageBeats) - 16'(ar_addr_q[PageShift-1:BeatShift]);
  assign ar_beats = (ar_left_q < to_page) ? ar_left_q : to_page;

  assign axi_o.ar.addr  = {ar_addr_q[63:BeatShift], {BeatShift{1'b0}}};
  assign axi_o.ar.len   = 8'(ar_beats - 16'd1);
  assign axi_o.ar.size  = 3'(BeatShift);
  assign axi_o.ar.burst = 2'b01;    // INCR
  assign axi_o.ar.cache = 4'b0011;
  assign axi_o.ar.prot  = 3'b000;
  assign axi_o.ar_valid = ar_left_q != '0;

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
    .event_i    (axi_i.r_valid),
    .valid_o    (job_valid),
    .head_tag_o (beat_tag_o),
    .head_idx_o (r_idx),
    .done_o     (last_beat)
  );

  assign ready_o = (ar_left_q == '0) && job_ready;
  assign busy_o  = job_valid;

  // ----------------------------------------------------------------- data
  assign axi_o.r_ready = job_valid;
  assign beat_valid_o = job_valid & axi_i.r_valid;
  assign beat_idx_o   = r_idx;
  assign beat_data_o  = axi_i.r_data;
  assign done_o       = last_beat;
  assign done_tag_o   = beat_tag_o;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ar_addr_q <= '0;
      ar_left_q <= '0;
    end else if (start_i) begin
      ar_addr_q <= addr_i;
      ar_left_q <= beats_i;
    end else if (axi_o.ar_valid && axi_i.ar_ready) begin
      ar_addr_q <= ar_addr_q + (64'(ar_beats) << BeatShift);
      ar_left_q <= ar_left_q - ar_beats;
    end
  end

  logic unused_r;
  assign unused_r = ^{axi_i.r_resp, axi_i.r_last};

endmodule : esp_mem_rd

`default_nettype wire
