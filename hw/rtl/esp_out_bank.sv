// esp_out_bank: the output slots (esp_pkt_ram each) between the process
// stage and the write-back stage (hw/rtl/DATAPATH.md "Buffers"). The process
// stage overlaps descriptors, so its units write different slots at the same
// time: every port names its slot, and the bank routes it to that slot's RAM.
//
//   a_*  write port of esp_aead's writer (the slot of the job the word belongs to)
//   i_*  write port of esp_aead's ICV writes (T: an older job than the writer's)
//   b_*  write port of esp_hdr_build (the slot of the descriptor it builds)
//   r_*  read port of the process stage's head (esp_trailer / esp_ip_parse,
//        a DECRYPT finished in the head)
//   c_*  read port of the write-back stage
//
// Slot s belongs to the write-back stage while full_i[s] is set (only c_*
// reaches it) and to the process stage otherwise. The process stage's ports
// name different slots whenever two are active in the same cycle (by
// construction of esp_batch_ctrl: esp_aead's jobs, the tail's descriptor
// and the head's DECRYPT each own their slot); should two of a, i, b name
// the same slot anyway, a wins, then i. Read data comes from the port's
// own slot, one cycle after its read (r: the slot number is held
// meanwhile by the caller; c: the bank keeps the slot of c's last read, so
// the caller may name the next slot in the cycle its data comes out).
`default_nettype none

module esp_out_bank
  import esp_spec_pkg::*;
#(
  parameter int unsigned Depth = 256,
  parameter int unsigned Slots = 4,
  localparam int unsigned Aw = $clog2(Depth),
  localparam int unsigned Sw = (Slots > 1) ? $clog2(Slots) : 1,
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES,
  localparam int unsigned NB = PKT_BUS_BYTES
) (
  input  wire logic             clk_i,
  input  wire logic [Slots-1:0] full_i,

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

  logic [Dw-1:0] rdata [Slots];
  logic [Sw-1:0] c_slot_q;   // the slot of c's last read

  always_ff @(posedge clk_i) begin
    if (c_re_i) c_slot_q <= c_slot_i;
  end

  for (genvar s = 0; s < Slots; s++) begin : g_slot
    logic          mine_a, mine_i, mine_b, mine_c, mine_r, we, re;
    logic [Aw-1:0] waddr, raddr;
    logic [NB-1:0] wbe;
    logic [Dw-1:0] wdata;
    assign mine_a = !full_i[s] && a_we_i && (a_slot_i == Sw'(s));
    assign mine_i = !full_i[s] && i_we_i && (i_slot_i == Sw'(s));
    assign mine_b = !full_i[s] && b_we_i && (b_slot_i == Sw'(s));
    assign mine_c = full_i[s] && (c_slot_i == Sw'(s));
    assign we     = mine_a | mine_i | mine_b;
    assign waddr  = mine_a ? a_waddr_i : mine_i ? i_waddr_i : b_waddr_i;
    assign wbe    = mine_a ? a_wbe_i : mine_i ? i_wbe_i : b_wbe_i;
    assign wdata  = mine_a ? a_wdata_i : mine_i ? i_wdata_i : b_wdata_i;
    assign mine_r = !full_i[s] && r_re_i && (r_slot_i == Sw'(s));
    assign re     = mine_c ? c_re_i : mine_r;
    assign raddr  = mine_c ? c_raddr_i : r_raddr_i;

    esp_pkt_ram #(.Depth(Depth)) u_ram (
      .clk_i,
      .we_i    (we),
      .waddr_i (waddr),
      .wbe_i   (wbe),
      .wdata_i (wdata),
      .re_i    (re),
      .raddr_i (raddr),
      .rdata_o (rdata[s])
    );
  end

  assign r_rdata_o = rdata[r_slot_i];
  assign c_rdata_o = rdata[c_slot_q];

endmodule : esp_out_bank

`default_nettype wire
