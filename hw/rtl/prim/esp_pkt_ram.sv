// esp_pkt_ram: a packet buffer (hw/rtl/DATAPATH.md "Buffers"): Depth words
// of one 512-bit bus beat, one write port with byte enables, one read port
// with one cycle of latency (simple dual-port block RAM / URAM).
// Packet byte n is word n / PKT_BUS_BYTES, byte lane n % PKT_BUS_BYTES.
`default_nettype none

module esp_pkt_ram
  import esp_spec_pkg::*;
#(
  parameter int unsigned Depth = 256,
  localparam int unsigned Aw = $clog2(Depth),
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES
) (
  input  wire logic                     clk_i,

  input  wire logic                     we_i,
  input  wire logic [Aw-1:0]            waddr_i,
  input  wire logic [PKT_BUS_BYTES-1:0] wbe_i,
  input  wire logic [Dw-1:0]            wdata_i,

  input  wire logic                     re_i,
  input  wire logic [Aw-1:0]            raddr_i,
  output      logic [Dw-1:0]            rdata_o
);

  logic [Dw-1:0] mem_q [Depth];

  always_ff @(posedge clk_i) begin
    if (we_i) begin
      for (int unsigned b = 0; b < PKT_BUS_BYTES; b++) begin
        if (wbe_i[b]) mem_q[waddr_i][8*b +: 8] <= wdata_i[8*b +: 8];
      end
    end
    if (re_i) rdata_o <= mem_q[raddr_i];
  end

endmodule

`default_nettype wire
