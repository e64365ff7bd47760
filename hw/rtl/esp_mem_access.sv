// esp_mem_access: every card-memory access of the sequencer, over the AXI4
// master (esp_mem_rd + esp_mem_wr). One command at a time:
//
//   CmdRdStruct  read len_i bytes at the 8-byte-aligned addr_i (up to
//                RdImgBeats beats: len_i + addr_i % 64 <= 256); rimg_o holds
//                them from byte 0 (little-endian image, as in card memory)
//                from done_o until the next command
//   CmdWrStruct  write the bytes of wimg_i selected by wmask_i (byte k at
//                addr_i + k, addr_i 8-byte aligned; one or two beats with
//                byte strobes)
//   CmdRdPkt     read ceil(len_i/64) beats at the 64-byte-aligned addr_i into
//                the input buffer from word 0 (the HLS read_pkt)
//   CmdWrPkt     write ceil(len_i/64) beats of the output buffer at the
//                64-byte-aligned addr_i; bytes at or past len_i are written as
//                0, bytes at or past cap_i are not written (strobes): nothing
//                outside [addr, addr + cap) changes (the HLS write_pkt)
//   CmdFill      write len_i zero bytes at the 8-byte-aligned addr_i (strobes)
//
// done_o pulses the cycle after a read's last beat has arrived or a write's
// responses have all arrived (a later read sees the data).
`default_nettype none

module esp_mem_access
  import esp_spec_pkg::*;
#(
  parameter int unsigned Depth = 256,
  localparam int unsigned Aw = $clog2(Depth),
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES,
  localparam int unsigned RdImgBeats = 4
) (
  input  wire logic                      clk_i,
  input  wire logic                      rst_ni,

  input  wire logic                      cmd_valid_i,
  input  wire logic [2:0]                cmd_i,
  input  wire logic [63:0]               addr_i,
  input  wire logic [31:0]               len_i,
  input  wire logic [31:0]               cap_i,
  input  wire logic [Dw-1:0]             wimg_i,
  input  wire logic [PKT_BUS_BYTES-1:0]  wmask_i,
  output      logic                      busy_o,
  output      logic                      done_o,
  output      logic [RdImgBeats*Dw-1:0]  rimg_o,

  output      logic                      ibuf_we_o,
  output      logic [Aw-1:0]             ibuf_waddr_o,
  output      logic [Dw-1:0]             ibuf_wdata_o,

  output      logic                      obuf_re_o,
  output      logic [Aw-1:0]             obuf_raddr_o,
  input  wire logic [Dw-1:0]             obuf_rdata_i,

  output      logic [63:0]               m_axi_awaddr,
  output      logic [7:0]                m_axi_awlen,
  output      logic [2:0]                m_axi_awsize,
  output      logic [1:0]                m_axi_awburst,
  output      logic [3:0]                m_axi_awcache,
  output      logic [2:0]                m_axi_awprot,
  output      logic                      m_axi_awvalid,
  input  wire logic                      m_axi_awready,
  output      logic [Dw-1:0]             m_axi_wdata,
  output      logic [PKT_BUS_BYTES-1:0]  m_axi_wstrb,
  output      logic                      m_axi_wlast,
  output      logic                      m_axi_wvalid,
  input  wire logic                      m_axi_wready,
  input  wire logic [1:0]                m_axi_bresp,
  input  wire logic                      m_axi_bvalid,
  output      logic                      m_axi_bready,
  output      logic [63:0]               m_axi_araddr,
  output      logic [7:0]                m_axi_arlen,
  output      logic [2:0]                m_axi_arsize,
  output      logic [1:0]                m_axi_arburst,
  output      logic [3:0]                m_axi_arcache,
  output      logic [2:0]                m_axi_arprot,
  output      logic                      m_axi_arvalid,
  input  wire logic                      m_axi_arready,
  input  wire logic [Dw-1:0]             m_axi_rdata,
  input  wire logic [1:0]                m_axi_rresp,
  input  wire logic                      m_axi_rlast,
  input  wire logic                      m_axi_rvalid,
  output      logic                      m_axi_rready
);

  localparam logic [2:0] CmdRdStruct = 3'd0;
  localparam logic [2:0] CmdWrStruct = 3'd1;
  localparam logic [2:0] CmdRdPkt    = 3'd2;
  localparam logic [2:0] CmdWrPkt    = 3'd3;
  // CmdFill = 3'd4: the default of the write source below

  localparam int unsigned BeatShift = $clog2(PKT_BUS_BYTES);
  localparam int unsigned WordShift = $clog2(CTL_WORD_BYTES);
  localparam int unsigned NB = PKT_BUS_BYTES;

  logic [2:0]                cmd_q;
  logic [WordShift-1:0]      unused_low;
  logic [BeatShift-WordShift-1:0] sh_q;      // 8-byte words into the first beat
  logic [31:0]               len_q, lo_q, hi_q;
  logic [Dw-1:0]             wimg_q;
  logic [NB-1:0]             wmask_q;
  logic [RdImgBeats*Dw-1:0]  img_q;

  // ------------------------------------------------------------- job sizing
  logic [31:0] span;      // bytes from the first beat's start
  logic [15:0] beats;
  logic [2*NB-1:0] wstrb2;
  always_comb begin
    if (cmd_i == CmdRdPkt || cmd_i == CmdWrPkt) span = len_i;
    else span = len_i + 32'(addr_i[BeatShift-1:0]);
    beats = 16'((span + 32'(NB - 1)) >> BeatShift);
    wstrb2 = {{NB{1'b0}}, wmask_i} << (CTL_WORD_BYTES * addr_i[BeatShift-1:WordShift]);
    if (cmd_i == CmdWrStruct) beats = (wstrb2[2*NB-1:NB] != '0) ? 16'd2 : 16'd1;
  end
  logic unused_wstrb2;
  assign unused_wstrb2 = ^{wstrb2[NB-1:0], src_idx[15:Aw]};
  assign unused_low = addr_i[WordShift-1:0];

  logic is_rd, rd_busy, rd_done, rd_beat;
  logic [15:0] rd_idx;
  logic [Dw-1:0] rd_data;
  logic wr_busy, wr_done, src_re;
  logic [15:0] src_idx, w_idx;
  logic [Dw-1:0] src_data;
  logic [NB-1:0] src_strb;

  assign is_rd = cmd_i == CmdRdStruct || cmd_i == CmdRdPkt;

  esp_mem_rd u_rd (
    .clk_i,
    .rst_ni,
    .start_i      (cmd_valid_i & is_rd),
    .addr_i       (addr_i),
    .beats_i      (beats),
    .busy_o       (rd_busy),
    .done_o       (rd_done),
    .beat_valid_o (rd_beat),
    .beat_idx_o   (rd_idx),
    .beat_data_o  (rd_data),
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

  esp_mem_wr u_wr (
    .clk_i,
    .rst_ni,
    .start_i    (cmd_valid_i & ~is_rd),
    .addr_i     (addr_i),
    .beats_i    (beats),
    .busy_o     (wr_busy),
    .done_o     (wr_done),
    .src_re_o   (src_re),
    .src_idx_o  (src_idx),
    .w_idx_o    (w_idx),
    .src_data_i (src_data),
    .src_strb_i (src_strb),
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
    .m_axi_bready
  );

  assign busy_o = rd_busy | wr_busy;
  // done one cycle after the last beat / response: the image register holds
  // the last beat by then.
  logic done_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) done_q <= 1'b0;
    else done_q <= rd_done | wr_done;
  end
  assign done_o = done_q;

  // ------------------------------------------------------------------- reads
  assign ibuf_we_o    = rd_beat & (cmd_q == CmdRdPkt);
  assign ibuf_waddr_o = Aw'(rd_idx);
  assign ibuf_wdata_o = rd_data;
  assign rimg_o       = img_q >> (8 * CTL_WORD_BYTES * sh_q);

  // ------------------------------------------------------------------ writes
  assign obuf_re_o    = src_re & (cmd_q == CmdWrPkt);
  assign obuf_raddr_o = src_idx[Aw-1:0];

  logic [2*Dw-1:0] wdata2;
  logic [2*NB-1:0] wstrb2_q;
  assign wdata2   = {{Dw{1'b0}}, wimg_q} << (8 * CTL_WORD_BYTES * sh_q);
  assign wstrb2_q = {{NB{1'b0}}, wmask_q} << (CTL_WORD_BYTES * sh_q);

  always_comb begin
    logic [31:0] pos;
    pos = '0;
    src_data = '0;
    src_strb = '0;
    if (cmd_q == CmdWrStruct) begin
      src_data = w_idx[0] ? wdata2[2*Dw-1:Dw] : wdata2[Dw-1:0];
      src_strb = w_idx[0] ? wstrb2_q[2*NB-1:NB] : wstrb2_q[NB-1:0];
    end else begin
      for (int unsigned b = 0; b < NB; b++) begin
        pos = (32'(w_idx) << BeatShift) + 32'(b);
        src_strb[b] = (pos >= lo_q) && (pos < hi_q);
        if (cmd_q == CmdWrPkt && pos < len_q) src_data[8*b +: 8] = obuf_rdata_i[8*b +: 8];
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (cmd_valid_i) begin
      cmd_q   <= cmd_i;
      sh_q    <= addr_i[BeatShift-1:WordShift];
      len_q   <= len_i;
      wimg_q  <= wimg_i;
      wmask_q <= wmask_i;
      if (cmd_i == CmdWrPkt) begin
        lo_q <= '0;
        hi_q <= cap_i;
      end else begin
        lo_q <= 32'(addr_i[BeatShift-1:0]);
        hi_q <= 32'(addr_i[BeatShift-1:0]) + len_i;
      end
    end
    if (rd_beat && cmd_q == CmdRdStruct && rd_idx < 16'(RdImgBeats)) begin
      img_q[Dw*rd_idx[$clog2(RdImgBeats)-1:0] +: Dw] <= rd_data;
    end
  end

endmodule : esp_mem_access

`default_nettype wire
