// esp_mem_rd: the read half of the engine's AXI4 master (AR and R channels).
//
// A job reads `beats_i` consecutive 64-byte beats from the beat-aligned byte
// address `addr_i` (its low bits are ignored). The range is requested as INCR
// bursts of full-width beats, split so that no burst crosses a 4 KiB boundary
// (at most 64 beats each); bursts are issued back to back without waiting
// for data. Every R beat is handed out in order with its index
// (beat_valid_o / beat_idx_o / beat_data_o, one cycle per beat, no
// backpressure: R is always ready while a job runs). done_o pulses with the
// last beat.
//
// Cycles: 1 (start) + 1 per burst address + read latency + 1 per beat.
// Bus error responses (RRESP) are not reported (the harness records them).
`default_nettype none

module esp_mem_rd
  import esp_spec_pkg::*;
#(
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES
) (
  input  wire logic          clk_i,
  input  wire logic          rst_ni,

  input  wire logic          start_i,
  input  wire logic [63:0]   addr_i,
  input  wire logic [15:0]   beats_i,   // >= 1
  output      logic          busy_o,
  output      logic          done_o,

  output      logic          beat_valid_o,
  output      logic [15:0]   beat_idx_o,
  output      logic [Dw-1:0] beat_data_o,

  output      logic [63:0]   m_axi_araddr,
  output      logic [7:0]    m_axi_arlen,
  output      logic [2:0]    m_axi_arsize,
  output      logic [1:0]    m_axi_arburst,
  output      logic [3:0]    m_axi_arcache,
  output      logic [2:0]    m_axi_arprot,
  output      logic          m_axi_arvalid,
  input  wire logic          m_axi_arready,
  input  wire logic [Dw-1:0] m_axi_rdata,
  input  wire logic [1:0]    m_axi_rresp,
  input  wire logic          m_axi_rlast,
  input  wire logic          m_axi_rvalid,
  output      logic          m_axi_rready
);

  localparam int unsigned BeatShift = $clog2(PKT_BUS_BYTES);     // 6
  localparam int unsigned PageShift = 12;                        // 4 KiB: no burst crosses it
  localparam int unsigned PageBeats = 1 << (PageShift - BeatShift);

  logic        busy_q, busy_d;
  logic [63:0] ar_addr_q, ar_addr_d;   // next burst's address
  logic [15:0] ar_left_q, ar_left_d;   // beats not yet requested
  logic [15:0] r_idx_q, r_idx_d;       // next beat to arrive
  logic [15:0] beats_q, beats_d;

  // Beats of the next burst: the rest, but not past the 4 KiB page.
  logic [15:0] to_page, ar_beats;
  assign to_page  = 16'(PageBeats) - 16'(ar_addr_q[PageShift-1:BeatShift]);
  assign ar_beats = (ar_left_q < to_page) ? ar_left_q : to_page;

  assign m_axi_araddr  = {ar_addr_q[63:BeatShift], {BeatShift{1'b0}}};
  assign m_axi_arlen   = 8'(ar_beats - 16'd1);
  assign m_axi_arsize  = 3'(BeatShift);
  assign m_axi_arburst = 2'b01;    // INCR
  assign m_axi_arcache = 4'b0011;
  assign m_axi_arprot  = 3'b000;
  assign m_axi_arvalid = busy_q & (ar_left_q != '0);
  assign m_axi_rready  = busy_q;

  assign beat_valid_o = busy_q & m_axi_rvalid;
  assign beat_idx_o   = r_idx_q;
  assign beat_data_o  = m_axi_rdata;
  assign busy_o       = busy_q;

  always_comb begin
    busy_d    = busy_q;
    ar_addr_d = ar_addr_q;
    ar_left_d = ar_left_q;
    r_idx_d   = r_idx_q;
    beats_d   = beats_q;
    done_o    = 1'b0;
    if (!busy_q) begin
      if (start_i) begin
        busy_d    = 1'b1;
        ar_addr_d = addr_i;
        ar_left_d = beats_i;
        beats_d   = beats_i;
        r_idx_d   = '0;
      end
    end else begin
      if (m_axi_arvalid && m_axi_arready) begin
        ar_addr_d = ar_addr_q + (64'(ar_beats) << BeatShift);
        ar_left_d = ar_left_q - ar_beats;
      end
      if (m_axi_rvalid) begin
        r_idx_d = r_idx_q + 16'd1;
        if (r_idx_d == beats_q) begin
          busy_d = 1'b0;
          done_o = 1'b1;
        end
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q    <= 1'b0;
      ar_addr_q <= '0;
      ar_left_q <= '0;
      r_idx_q   <= '0;
      beats_q   <= '0;
    end else begin
      busy_q    <= busy_d;
      ar_addr_q <= ar_addr_d;
      ar_left_q <= ar_left_d;
      r_idx_q   <= r_idx_d;
      beats_q   <= beats_d;
    end
  end

  logic unused_r;
  assign unused_r = ^{m_axi_rresp, m_axi_rlast};

endmodule : esp_mem_rd

`default_nettype wire
