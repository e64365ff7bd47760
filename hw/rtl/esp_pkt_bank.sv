// esp_pkt_bank: Slots packet buffers (esp_pkt_ram) between two pipeline
// stages, a producer that fills a slot and a consumer that drains it
// (hw/rtl/README.md "Stages"). Each side has one write port and one read port
// and addresses the slot it names (pslot_i / cslot_i); slot s belongs to the
// consumer while full_i[s] is set and to the producer otherwise, so the two
// sides never drive the same RAM and never see each other's slot. Read data
// comes from the side's own slot, one cycle after its read (esp_pkt_ram).
`default_nettype none

module esp_pkt_bank
  import esp_spec_pkg::*;
#(
  parameter int unsigned Depth = 256,
  parameter int unsigned Slots = 2,
  localparam int unsigned Aw = $clog2(Depth),
  localparam int unsigned Sw = (Slots > 1) ? $clog2(Slots) : 1,
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES,
  localparam int unsigned NB = PKT_BUS_BYTES
) (
  input  wire logic             clk_i,
  input  wire logic [Slots-1:0] full_i,

  // producer
  input  wire logic [Sw-1:0]    pslot_i,
  input  wire logic             p_we_i,
  input  wire logic [Aw-1:0]    p_waddr_i,
  input  wire logic [NB-1:0]    p_wbe_i,
  input  wire logic [Dw-1:0]    p_wdata_i,
  input  wire logic             p_re_i,
  input  wire logic [Aw-1:0]    p_raddr_i,
  output      logic [Dw-1:0]    p_rdata_o,

  // consumer
  input  wire logic [Sw-1:0]    cslot_i,
  input  wire logic             c_we_i,
  input  wire logic [Aw-1:0]    c_waddr_i,
  input  wire logic [NB-1:0]    c_wbe_i,
  input  wire logic [Dw-1:0]    c_wdata_i,
  input  wire logic             c_re_i,
  input  wire logic [Aw-1:0]    c_raddr_i,
  output      logic [Dw-1:0]    c_rdata_o
);

  logic [Dw-1:0] rdata [Slots];

  for (genvar s = 0; s < Slots; s++) begin : g_slot
    logic          mine_c, mine_p, we, re;
    logic [Aw-1:0] waddr, raddr;
    logic [NB-1:0] wbe;
    logic [Dw-1:0] wdata;
    assign mine_c = full_i[s] && (cslot_i == Sw'(s));
    assign mine_p = !full_i[s] && (pslot_i == Sw'(s));
    assign we     = mine_c ? c_we_i : (mine_p & p_we_i);
    assign waddr  = mine_c ? c_waddr_i : p_waddr_i;
    assign wbe    = mine_c ? c_wbe_i : p_wbe_i;
    assign wdata  = mine_c ? c_wdata_i : p_wdata_i;
    assign re     = mine_c ? c_re_i : (mine_p & p_re_i);
    assign raddr  = mine_c ? c_raddr_i : p_raddr_i;

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

  assign p_rdata_o = rdata[pslot_i];
  assign c_rdata_o = rdata[cslot_i];

endmodule : esp_pkt_bank

`default_nettype wire
