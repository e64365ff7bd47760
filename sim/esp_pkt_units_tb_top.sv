// Testbench top for esp_ip_parse, esp_hdr_build and esp_trailer
// (sim/esp_pkt_units_tb.cpp): two esp_pkt_ram buffers as in the engine
// (ibuf, obuf), the units on their ports as DATAPATH.md places them, and
// tb-only ports to load and inspect whole buffer words. The testbench runs
// one unit at a time; the ports are ORed / muxed by which unit (or the tb)
// drives them.
//   esp_ip_parse : reads ibuf
//   esp_hdr_build: reads ibuf, writes obuf
//   esp_trailer  : reads obuf (the check)
`default_nettype none

module esp_pkt_units_tb_top
  import esp_spec_pkg::*;
  import esp_unit_pkg::*;
#(
  localparam int unsigned Depth = 256,
  localparam int unsigned Aw = $clog2(Depth),
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES
) (
  input  wire logic          clk_i,
  input  wire logic          rst_ni,

  // tb access: full-word writes, reads (1-cycle latency) of both buffers
  input  wire logic          tb_we_i,
  input  wire logic          tb_wobuf_i,     // 0 ibuf, 1 obuf
  input  wire logic [Aw-1:0] tb_waddr_i,
  input  wire logic [Dw-1:0] tb_wdata_i,
  input  wire logic          tb_re_i,        // reads both buffers
  input  wire logic [Aw-1:0] tb_raddr_i,
  output      logic [Dw-1:0] tb_ibuf_rdata_o,
  output      logic [Dw-1:0] tb_obuf_rdata_o,

  // esp_ip_parse
  input  wire logic          ps_start_i,
  input  wire logic [1:0]    ps_mode_i,
  input  wire pkt_len_t     ps_base_i,
  input  wire pkt_len_t     ps_avail_i,
  output      logic          ps_busy_o,
  output      logic          ps_done_o,
  output      logic [15:0]   ps_status_o,
  output      logic [3:0]    ps_version_o,
  output      pkt_len_t     ps_pkt_len_o,
  output      pkt_len_t     ps_ihl_o,
  output      pkt_len_t     ps_hdr_len_o,
  output      pkt_len_t     ps_nh_off_o,
  output      logic [7:0]    ps_proto_o,
  output      logic          ps_udp_o,
  output      pkt_len_t     ps_esp_off_o,
  output      pkt_len_t     ps_esp_len_o,
  output      logic [31:0]   ps_spi_o,
  output      logic [31:0]   ps_seq_lo_o,

  // esp_hdr_build
  input  wire logic          hb_start_i,
  input  wire logic [1:0]    hb_op_i,
  input  wire logic          hb_udp_i,
  input  wire logic [7:0]    hb_proto_i,
  input  wire pkt_len_t     hb_out_len_i,
  input  wire logic [7:0]    hb_tos_i,
  input  wire logic [7:0]    hb_ttl_i,
  input  wire logic [19:0]   hb_flow_label_i,
  input  wire logic [127:0]  hb_tun_src_i,
  input  wire logic [127:0]  hb_tun_dst_i,
  input  wire logic [3:0]    hb_version_i,
  input  wire pkt_len_t     hb_ihl_i,
  input  wire pkt_len_t     hb_hdr_len_i,
  input  wire pkt_len_t     hb_nh_off_i,
  input  wire logic [15:0]   hb_udp_sport_i,
  input  wire logic [15:0]   hb_udp_dport_i,
  input  wire logic [15:0]   hb_payload_sum_i,
  output      logic          hb_busy_o,
  output      logic          hb_done_o,
  output      pkt_len_t     hb_outer_len_o,
  output      logic [15:0]   hb_udp_csum_o,

  // esp_trailer
  input  wire logic          tr_start_i,
  input  wire pkt_len_t     tr_off_i,
  input  wire pkt_len_t     tr_len_i,
  output      logic          tr_busy_o,
  output      logic          tr_done_o,
  output      logic [15:0]   tr_status_o,
  output      logic [7:0]    tr_pad_len_o,
  output      pkt_len_t     tr_pt_len_o,
  output      pkt_len_t     tr_pay_len_o,
  output      logic [7:0]    tr_next_header_o
);

  // ibuf / obuf ports
  logic                     ib_we, ob_we, ib_re, ob_re;
  logic [Aw-1:0]            ib_waddr, ob_waddr, ib_raddr, ob_raddr;
  logic [PKT_BUS_BYTES-1:0] ib_wbe, ob_wbe;
  logic [Dw-1:0]            ib_wdata, ob_wdata, ib_rdata, ob_rdata;

  // unit ports
  logic          ps_re, hb_re, hb_we, tr_re;
  logic [Aw-1:0] ps_raddr, hb_raddr, hb_waddr, tr_raddr;
  logic [PKT_BUS_BYTES-1:0] hb_wbe;
  logic [Dw-1:0] hb_wdata;

  esp_pkt_ram #(.Depth(Depth)) u_ibuf (
    .clk_i, .we_i(ib_we), .waddr_i(ib_waddr), .wbe_i(ib_wbe), .wdata_i(ib_wdata),
    .re_i(ib_re), .raddr_i(ib_raddr), .rdata_o(ib_rdata));
  esp_pkt_ram #(.Depth(Depth)) u_obuf (
    .clk_i, .we_i(ob_we), .waddr_i(ob_waddr), .wbe_i(ob_wbe), .wdata_i(ob_wdata),
    .re_i(ob_re), .raddr_i(ob_raddr), .rdata_o(ob_rdata));

  always_comb begin
    // ibuf write: tb
    ib_we    = tb_we_i && !tb_wobuf_i;
    ib_waddr = tb_waddr_i;
    ib_wbe   = '1;
    ib_wdata = tb_wdata_i;
    // obuf write: tb or esp_hdr_build
    ob_we    = tb_we_i && tb_wobuf_i || hb_we;
    ob_waddr = hb_we ? hb_waddr : tb_waddr_i;
    ob_wbe   = hb_we ? hb_wbe : '1;
    ob_wdata = hb_we ? hb_wdata : tb_wdata_i;
    // ibuf read: tb, esp_ip_parse or esp_hdr_build
    ib_re    = tb_re_i || ps_re || hb_re;
    ib_raddr = ps_re ? ps_raddr : hb_re ? hb_raddr : tb_raddr_i;
    // obuf read: tb or esp_trailer (check)
    ob_re    = tb_re_i || tr_re;
    ob_raddr = tr_re ? tr_raddr : tb_raddr_i;
  end
  assign tb_ibuf_rdata_o = ib_rdata;
  assign tb_obuf_rdata_o = ob_rdata;

  // the units' requests and responses, from / to the tb's flat ports
  parse_req_t ps_req;
  parse_rsp_t ps_rsp;
  hb_req_t    hb_req;
  hb_rsp_t    hb_rsp;
  tr_req_t    tr_req;
  tr_rsp_t    tr_rsp;
  assign ps_req = '{mode: parse_mode_e'(ps_mode_i), base: ps_base_i, avail: ps_avail_i};
  assign {ps_status_o, ps_version_o, ps_pkt_len_o, ps_ihl_o, ps_hdr_len_o, ps_nh_off_o, ps_proto_o, ps_udp_o,
          ps_esp_off_o, ps_esp_len_o, ps_spi_o, ps_seq_lo_o} = ps_rsp;
  assign hb_req = '{op: hb_op_e'(hb_op_i), udp: hb_udp_i, proto: hb_proto_i, out_len: hb_out_len_i, tos: hb_tos_i,
                    ttl: hb_ttl_i, flow_label: hb_flow_label_i, tun_src: hb_tun_src_i, tun_dst: hb_tun_dst_i,
                    version: hb_version_i, ihl: hb_ihl_i, hdr_len: hb_hdr_len_i, nh_off: hb_nh_off_i,
                    udp_sport: hb_udp_sport_i, udp_dport: hb_udp_dport_i, payload_sum: hb_payload_sum_i};
  assign {hb_outer_len_o, hb_udp_csum_o} = hb_rsp;
  assign tr_req = '{off: tr_off_i, len: tr_len_i};
  assign {tr_status_o, tr_pad_len_o, tr_pt_len_o, tr_pay_len_o, tr_next_header_o} = tr_rsp;

  esp_ip_parse #(.Depth(Depth)) u_parse (
    .clk_i, .rst_ni,
    .start_i(ps_start_i), .req_i(ps_req),
    .rd_re_o(ps_re), .rd_addr_o(ps_raddr), .rd_data_i(ib_rdata),
    .busy_o(ps_busy_o), .done_o(ps_done_o), .rsp_o(ps_rsp));

  esp_hdr_build #(.Depth(Depth)) u_hdr_build (
    .clk_i, .rst_ni,
    .start_i(hb_start_i), .req_i(hb_req),
    .rd_re_o(hb_re), .rd_addr_o(hb_raddr), .rd_data_i(ib_rdata),
    .wr_we_o(hb_we), .wr_addr_o(hb_waddr), .wr_be_o(hb_wbe), .wr_data_o(hb_wdata),
    .busy_o(hb_busy_o), .done_o(hb_done_o), .rsp_o(hb_rsp));

  esp_trailer #(.Depth(Depth)) u_trailer (
    .clk_i, .rst_ni,
    .start_i(tr_start_i), .req_i(tr_req),
    .rd_re_o(tr_re), .rd_addr_o(tr_raddr), .rd_data_i(ob_rdata),
    .busy_o(tr_busy_o), .done_o(tr_done_o), .rsp_o(tr_rsp));

endmodule

`default_nettype wire
