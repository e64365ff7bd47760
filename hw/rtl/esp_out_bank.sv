// esp_out_bank: the output slots between the process stage and the
// write-back stage (hw/rtl/DATAPATH.md "Buffers"). The process stage
// overlaps descriptors, so its units write different slots at the same
// time: every port names its slot.
//
//   a_*  write port of esp_aead's writer (the slot of the job the word belongs to)
//   i_*  write port of esp_aead's ICV writes (T: an older job than the writer's)
//   b_*  write port of esp_hdr_build (the slot of the descriptor it builds)
//   r_*  read port of the process stage's head (esp_trailer / esp_ip_parse,
//        a DECRYPT finished in the head: bytes esp_aead wrote)
//   c_*  read port of the write-back stage
//
// Slot s belongs to the write-back stage while full_i[s] is set (writes to
// it are dropped) and to the process stage otherwise, which takes it
// (alloc_i) before it writes it. Read data comes from the port's own slot,
// one cycle after its read, and stays until the port's next read (r: the
// caller holds the slot number meanwhile; c: the bank keeps what c's last
// read needs, so the caller may name the next slot in the cycle its data
// comes out).
//
// No port is multiplexed per slot: each writer has RAMs of its own that
// hold every slot (slot s, word w at {s, w}), and a read merges them byte
// by byte by who wrote the byte in the slot's current use. The bank learns
// that from the writes themselves, per slot: esp_hdr_build writes bytes
// [0, b_end) of its slot (the outer or updated header, then the UDP
// header, each byte enable set inside that range: b_end is the highest
// byte it wrote + 1), T the ICV, one run of bytes [i_lo, i_hi) in one or
// two consecutive words (its RAM holds two words per slot, at {s, w[0]});
// esp_aead's writer any other byte. Taking a slot clears its ranges. So
// byte p of slot s reads as the b RAM's when p < b_end, the ICV RAM's when
// i_lo <= p < i_hi, else the a RAM's: each RAM written by one port, the
// a RAM twice (one copy per read port: r reads only what esp_aead wrote).
`default_nettype none

module esp_out_bank
  import esp_spec_pkg::*;
#(
  parameter int unsigned Depth = 256,   // words per slot, a power of two
  parameter int unsigned Slots = 4,
  localparam int unsigned Aw = $clog2(Depth),
  localparam int unsigned Sw = (Slots > 1) ? $clog2(Slots) : 1,
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES,
  localparam int unsigned NB = PKT_BUS_BYTES
) (
  input  wire logic             clk_i,
  input  wire logic             rst_ni,
  input  wire logic [Slots-1:0] full_i,
  input  wire logic             alloc_i,       // the process stage takes slot alloc_slot_i
  input  wire logic [Sw-1:0]    alloc_slot_i,

  input  wire logic [Sw-1:0]    a_slot_i,
  input  wire logic             a_we_i,
  input  wire logic [Aw-1:0]    a_waddr_i,
  input  wire logic [NB-1:0]    a_wbe_i,
  input  wire logic [Dw-1:0]    a_wdata_i,

  input  wire logic [Sw-1:0]    i_slot_i,
  input  wire logic             i_we_i,
  input  wire logic [Aw-1:0]    i_waddr_i,
  input  wire logic [NB-1:0]    i_wbe_i,
  input  wire logic [Dw-1:0]    i_wdata_i,

  input  wire logic [Sw-1:0]    b_slot_i,
  input  wire logic             b_we_i,
  input  wire logic [Aw-1:0]    b_waddr_i,
  input  wire logic [NB-1:0]    b_wbe_i,
  input  wire logic [Dw-1:0]    b_wdata_i,

  input  wire logic [Sw-1:0]    r_slot_i,
  input  wire logic             r_re_i,
  input  wire logic [Aw-1:0]    r_raddr_i,
  output      logic [Dw-1:0]    r_rdata_o,

  input  wire logic [Sw-1:0]    c_slot_i,
  input  wire logic             c_re_i,
  input  wire logic [Aw-1:0]    c_raddr_i,
  output      logic [Dw-1:0]    c_rdata_o
);

  localparam int unsigned Lw = $clog2(NB);
  localparam int unsigned Pw = Aw + Lw + 1;   // a byte position in a slot, or the end of the slot

  initial begin
    if (Depth != (1 << Aw)) $error("esp_out_bank: Depth %0d is not a power of two", Depth);
  end

  // The highest byte enabled + 1 (0: none), the lowest enabled (NB: none).
  function automatic logic [Lw:0] be_end(input logic [NB-1:0] be);
    be_end = '0;
    for (int unsigned l = 0; l < NB; l++) if (be[l]) be_end = (Lw+1)'(l + 1);
  endfunction
  function automatic logic [Lw:0] be_first(input logic [NB-1:0] be);
    be_first = (Lw+1)'(NB);
    for (int l = NB - 1; l >= 0; l--) if (be[l]) be_first = (Lw+1)'(l);
  endfunction
  function automatic logic [Pw-1:0] word_pos(input logic [Aw-1:0] w, input logic [Lw:0] lane);
    word_pos = (Pw'(w) << Lw) + Pw'(lane);
  endfunction

  // ---------------------------------------------------------------- writes
  logic a_we, i_we, b_we;
  assign a_we = a_we_i && !full_i[a_slot_i];
  assign i_we = i_we_i && !full_i[i_slot_i] && (|i_wbe_i);
  assign b_we = b_we_i && !full_i[b_slot_i] && (|b_wbe_i);

  logic [Dw-1:0] ar_rdata, ac_rdata, b_rdata, i_rdata;

  esp_pkt_ram #(.Depth(Depth << Sw)) u_a_r (   // esp_aead's bytes, read by r
    .clk_i,
    .we_i (a_we), .waddr_i ({a_slot_i, a_waddr_i}), .wbe_i (a_wbe_i), .wdata_i (a_wdata_i),
    .re_i (r_re_i), .raddr_i ({r_slot_i, r_raddr_i}), .rdata_o (ar_rdata)
  );
  esp_pkt_ram #(.Depth(Depth << Sw)) u_a_c (   // the same, read by c
    .clk_i,
    .we_i (a_we), .waddr_i ({a_slot_i, a_waddr_i}), .wbe_i (a_wbe_i), .wdata_i (a_wdata_i),
    .re_i (c_re_i), .raddr_i ({c_slot_i, c_raddr_i}), .rdata_o (ac_rdata)
  );
  esp_pkt_ram #(.Depth(Depth << Sw)) u_b (     // esp_hdr_build's
    .clk_i,
    .we_i (b_we), .waddr_i ({b_slot_i, b_waddr_i}), .wbe_i (b_wbe_i), .wdata_i (b_wdata_i),
    .re_i (c_re_i), .raddr_i ({c_slot_i, c_raddr_i}), .rdata_o (b_rdata)
  );
  esp_pkt_ram #(.Depth(2 << Sw)) u_i (         // the ICV's two words, by word parity
    .clk_i,
    .we_i (i_we), .waddr_i ({i_slot_i, i_waddr_i[0]}), .wbe_i (i_wbe_i), .wdata_i (i_wdata_i),
    .re_i (c_re_i), .raddr_i ({c_slot_i, c_raddr_i[0]}), .rdata_o (i_rdata)
  );

  // ------------------------------------------------- who wrote what, per slot
  logic [Pw-1:0] b_end_q [Slots];
  logic [Pw-1:0] i_lo_q  [Slots];
  logic [Pw-1:0] i_hi_q  [Slots];
  logic [Pw-1:0] b_pos, i_pos_lo, i_pos_hi, b_new, i_lo_new, i_hi_new;

  assign b_pos    = word_pos(b_waddr_i, be_end(b_wbe_i));
  assign i_pos_lo = word_pos(i_waddr_i, be_first(i_wbe_i));
  assign i_pos_hi = word_pos(i_waddr_i, be_end(i_wbe_i));
  assign b_new    = (b_pos > b_end_q[b_slot_i]) ? b_pos : b_end_q[b_slot_i];
  assign i_lo_new = (i_pos_lo < i_lo_q[i_slot_i]) ? i_pos_lo : i_lo_q[i_slot_i];
  assign i_hi_new = (i_pos_hi > i_hi_q[i_slot_i]) ? i_pos_hi : i_hi_q[i_slot_i];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int unsigned s = 0; s < Slots; s++) begin
        b_end_q[s] <= '0; i_lo_q[s] <= '1; i_hi_q[s] <= '0;
      end
    end else begin
      for (int unsigned s = 0; s < Slots; s++) begin
        if (alloc_i && alloc_slot_i == Sw'(s)) begin
          b_end_q[s] <= '0; i_lo_q[s] <= '1; i_hi_q[s] <= '0;
        end else begin
          if (b_we && b_slot_i == Sw'(s)) b_end_q[s] <= b_new;
          if (i_we && i_slot_i == Sw'(s)) begin
            i_lo_q[s] <= i_lo_new; i_hi_q[s] <= i_hi_new;
          end
        end
      end
    end
  end

  // ------------------------------------------------------------------ reads
  // c: the word read and its slot's ranges, kept with the read
  logic [Aw-1:0] c_w_q;
  logic [Pw-1:0] c_bend_q, c_ilo_q, c_ihi_q;
  always_ff @(posedge clk_i) begin
    if (c_re_i) begin
      c_w_q <= c_raddr_i;
      c_bend_q <= b_end_q[c_slot_i]; c_ilo_q <= i_lo_q[c_slot_i]; c_ihi_q <= i_hi_q[c_slot_i];
    end
  end

  for (genvar l = 0; l < NB; l++) begin : g_lane
    logic [Pw-1:0] p;   // the byte's position in its slot
    assign p = word_pos(c_w_q, (Lw+1)'(l));
    assign c_rdata_o[8*l +: 8] = (p < c_bend_q) ? b_rdata[8*l +: 8]
                               : (p >= c_ilo_q && p < c_ihi_q) ? i_rdata[8*l +: 8] : ac_rdata[8*l +: 8];
  end

  assign r_rdata_o = ar_rdata;

endmodule : esp_out_bank

`default_nettype wire
