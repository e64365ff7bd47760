// Testbench top for esp_classify (sim/esp_classify_tb.cpp): the unit with
// its response struct split into one port per field.
`default_nettype none

module esp_classify_tb_top
  import esp_spec_pkg::*;
  import esp_unit_pkg::*;
#(
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES
) (
  input  wire logic          clk_i,
  input  wire logic          rst_ni,
  input  wire logic          valid_i,
  input  wire logic [1:0]    mode_i,
  input  wire pkt_len_t      avail_i,
  input  wire logic [2*Dw-1:0] words_i,
  output      logic          valid_o,
  output      logic          slow_o,
  output      logic [15:0]   status_o,
  output      logic [3:0]    version_o,
  output      pkt_len_t      pkt_len_o,
  output      pkt_len_t      ihl_o,
  output      pkt_len_t      hdr_len_o,
  output      pkt_len_t      nh_off_o,
  output      logic [7:0]    proto_o,
  output      logic          udp_o,
  output      pkt_len_t      esp_off_o,
  output      pkt_len_t      esp_len_o,
  output      logic [31:0]   spi_o,
  output      logic [31:0]   seq_lo_o
);
  parse_rsp_t rsp;

  esp_classify dut (
    .clk_i,
    .rst_ni,
    .valid_i,
    .mode_i  (parse_mode_e'(mode_i)),
    .avail_i,
    .words_i,
    .valid_o,
    .slow_o,
    .rsp_o   (rsp)
  );

  assign status_o  = rsp.status;
  assign version_o = rsp.version;
  assign pkt_len_o = rsp.pkt_len;
  assign ihl_o     = rsp.ihl;
  assign hdr_len_o = rsp.hdr_len;
  assign nh_off_o  = rsp.nh_off;
  assign proto_o   = rsp.proto;
  assign udp_o     = rsp.udp;
  assign esp_off_o = rsp.esp_off;
  assign esp_len_o = rsp.esp_len;
  assign spi_o     = rsp.spi;
  assign seq_lo_o  = rsp.seq_lo;
endmodule

`default_nettype wire
