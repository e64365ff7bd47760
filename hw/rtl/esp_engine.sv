// esp_engine: the card kernel (Vitis RTL kernel `esp_engine`).
//
//   s_axil_*  AXI4-Lite control slave (register map of esp_spec_pkg)
//   m_axi_*   AXI4 master to card memory, 512-bit data, 64-bit address
//   interrupt_o  GIE & ISR (ap_done / ap_ready)
//
// This is the shell: control registers (esp_ctrl_regs) and the batch
// sequencer (esp_batch_ctrl). The packet datapath (AES-GCM, ESP encap/decap,
// replay window) is not connected yet; see hw/rtl/README.md.
`default_nettype none

module esp_engine
  import esp_spec_pkg::*;
#(
  parameter int unsigned AxilAddrWidth = $clog2(REG_SPACE_BYTES)
) (
  input  wire logic                     clk_i,
  input  wire logic                     rst_ni,

  input  wire logic [AxilAddrWidth-1:0] s_axil_awaddr,
  input  wire logic                     s_axil_awvalid,
  output      logic                     s_axil_awready,
  input  wire logic [31:0]              s_axil_wdata,
  input  wire logic [3:0]               s_axil_wstrb,
  input  wire logic                     s_axil_wvalid,
  output      logic                     s_axil_wready,
  output      logic [1:0]               s_axil_bresp,
  output      logic                     s_axil_bvalid,
  input  wire logic                     s_axil_bready,
  input  wire logic [AxilAddrWidth-1:0] s_axil_araddr,
  input  wire logic                     s_axil_arvalid,
  output      logic                     s_axil_arready,
  output      logic [31:0]              s_axil_rdata,
  output      logic [1:0]               s_axil_rresp,
  output      logic                     s_axil_rvalid,
  input  wire logic                     s_axil_rready,

  output      logic [63:0]              m_axi_awaddr,
  output      logic [7:0]               m_axi_awlen,
  output      logic [2:0]               m_axi_awsize,
  output      logic [1:0]               m_axi_awburst,
  output      logic [3:0]               m_axi_awcache,
  output      logic [2:0]               m_axi_awprot,
  output      logic                     m_axi_awvalid,
  input  wire logic                     m_axi_awready,
  output      logic [511:0]             m_axi_wdata,
  output      logic [63:0]              m_axi_wstrb,
  output      logic                     m_axi_wlast,
  output      logic                     m_axi_wvalid,
  input  wire logic                     m_axi_wready,
  input  wire logic [1:0]               m_axi_bresp,
  input  wire logic                     m_axi_bvalid,
  output      logic                     m_axi_bready,
  output      logic [63:0]              m_axi_araddr,
  output      logic [7:0]               m_axi_arlen,
  output      logic [2:0]               m_axi_arsize,
  output      logic [1:0]               m_axi_arburst,
  output      logic [3:0]               m_axi_arcache,
  output      logic [2:0]               m_axi_arprot,
  output      logic                     m_axi_arvalid,
  input  wire logic                     m_axi_arready,
  input  wire logic [511:0]             m_axi_rdata,
  input  wire logic [1:0]               m_axi_rresp,
  input  wire logic                     m_axi_rlast,
  input  wire logic                     m_axi_rvalid,
  output      logic                     m_axi_rready,

  output      logic                     interrupt_o
);

  logic        ap_start, ap_ready, ap_done, ap_idle;
  logic [63:0] sa_table, replay, counters, spi_table, desc, completions, pkt_in, pkt_out;
  logic [31:0] n_desc, sa_capacity, spi_buckets_log2;

  esp_ctrl_regs #(
    .AddrWidth(AxilAddrWidth)
  ) u_ctrl_regs (
    .clk_i,
    .rst_ni,
    .s_axil_awaddr,
    .s_axil_awvalid,
    .s_axil_awready,
    .s_axil_wdata,
    .s_axil_wstrb,
    .s_axil_wvalid,
    .s_axil_wready,
    .s_axil_bresp,
    .s_axil_bvalid,
    .s_axil_bready,
    .s_axil_araddr,
    .s_axil_arvalid,
    .s_axil_arready,
    .s_axil_rdata,
    .s_axil_rresp,
    .s_axil_rvalid,
    .s_axil_rready,
    .ap_start_o         (ap_start),
    .ap_ready_i         (ap_ready),
    .ap_done_i          (ap_done),
    .ap_idle_i          (ap_idle),
    .sa_table_o         (sa_table),
    .replay_o           (replay),
    .counters_o         (counters),
    .spi_table_o        (spi_table),
    .desc_o             (desc),
    .completions_o      (completions),
    .pkt_in_o           (pkt_in),
    .pkt_out_o          (pkt_out),
    .n_desc_o           (n_desc),
    .sa_capacity_o      (sa_capacity),
    .spi_buckets_log2_o (spi_buckets_log2),
    .interrupt_o
  );

  esp_batch_ctrl u_batch_ctrl (
    .clk_i,
    .rst_ni,
    .start_i       (ap_start),
    .ready_o       (ap_ready),
    .done_o        (ap_done),
    .idle_o        (ap_idle),
    .sa_table_i    (sa_table),
    .desc_i        (desc),
    .completions_i (completions),
    .n_desc_i      (n_desc),
    .sa_capacity_i (sa_capacity),
    .m_axi_awaddr,
    .m_axi_awlen,
    .m_axi_awsize,
    .m_axi_awburst,
    .m_axi_awcache,
    .m_axi_awprot,
    .m_axi_awvalid,
    .m_axi_awready,
    .m_axi_wdata,
    .m_axi_wstrb,
    .m_axi_wlast,
    .m_axi_wvalid,
    .m_axi_wready,
    .m_axi_bresp,
    .m_axi_bvalid,
    .m_axi_bready,
    .m_axi_araddr,
    .m_axi_arlen,
    .m_axi_arsize,
    .m_axi_arburst,
    .m_axi_arcache,
    .m_axi_arprot,
    .m_axi_arvalid,
    .m_axi_arready,
    .m_axi_rdata,
    .m_axi_rresp,
    .m_axi_rlast,
    .m_axi_rvalid,
    .m_axi_rready
  );

  // Arguments the datapath will consume (SPI lookup, replay, counters, packets).
  logic unused_args;
  assign unused_args = ^{replay, counters, spi_table, pkt_in, pkt_out, spi_buckets_log2};

endmodule : esp_engine

`default_nettype wire
