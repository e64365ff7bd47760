// esp_ring_ram: the input ring's RAM (esp_in_ring): Depth words of one
// 512-bit bus beat; port A writes (byte enables) or reads, port B reads
// (a true dual-port block RAM / URAM); read data one cycle after the read.
// Packet byte n is word n / PKT_BUS_BYTES, byte lane n % PKT_BUS_BYTES.
`default_nettype none

module esp_ring_ram
  import esp_spec_pkg::*;
#(
  parameter int unsigned Depth = 1024,
  localparam int unsigned Aw = $clog2(Depth),
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES
) (
  input  wire logic                     clk_i,

  input  wire logic                     a_we_i,
  input  wire logic                     a_re_i,     // (not with a_we_i)
  input  wire logic [Aw-1:0]            a_addr_i,
  input  wire logic [PKT_BUS_BYTES-1:0] a_wbe_i,
  input  wire logic [Dw-1:0]            a_wdata_i,
  output      logic [Dw-1:0]            a_rdata_o,

  input  wire logic                     b_re_i,
  input  wire logic [Aw-1:0]            b_addr_i,
  output      logic [Dw-1:0]            b_rdata_o
);

  logic [Dw-1:0] mem_q [Depth];

  always_ff @(posedge clk_i) begin
    if (a_we_i) begin
      for (int unsigned b = 0; b < PKT_BUS_BYTES; b++) begin
        if (a_wbe_i[b]) mem_q[a_addr_i][8*b +: 8] <= a_wdata_i[8*b +: 8];
      end
    end
    if (a_re_i) a_rdata_o <= mem_q[a_addr_i];
    if (b_re_i) b_rdata_o <= mem_q[b_addr_i];
  end

endmodule

`default_nettype wire
