// esp_engine: the card kernel (Vitis RTL kernel `esp_engine`).
//
//   s_axil_*  AXI4-Lite control slave (register map of esp_spec_pkg)
//   m_axi_*   AXI4 master to card memory, 512-bit data, 64-bit address
//   interrupt_o  GIE & ISR (ap_done / ap_ready)
//
// Control registers (esp_ctrl_regs); three stages that overlap across
// descriptors: fetch (esp_fetch: descriptor and input packet into an input
// slot), process (esp_batch_ctrl, the sequencer, with the packet units
// esp_ip_parse, esp_trailer, esp_aead, esp_hdr_build) and write-back
// (esp_writeback: output packet and completion from an output slot); the
// buffers (esp_in_ring: ibuf, esp_out_bank: obuf); the card-memory access of all
// three (esp_mem_access: the AXI4 master). The sequencer selects the owner of
// each buffer port on its side; the card's own state (esp_card_state:
// installed bits, SPI table), kept across runs. CPL_PROD comes from the
// write-back stage; PERF_CYCLES counts the cycles of a run (ap_start taken
// to ap_done), PERF_IDLE those in which a descriptor is taken and not
// complete and none completes. See hw/rtl/README.md and DATAPATH.md.
`default_nettype none

module esp_engine
  import esp_spec_pkg::*;
  import esp_unit_pkg::*;
#(
  parameter int unsigned AxilAddrWidth = $clog2(REG_SPACE_BYTES),
  parameter int unsigned MaxSas = 65536,            // register MAX_SAS
  parameter int unsigned MaxSpiBucketsLog2 = 14     // register MAX_SPI_BUCKETS_LOG2
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

  localparam int unsigned Depth = 256;
  localparam int unsigned ISlots = 64;  // input tickets: packet reads in flight + the one being processed
  localparam int unsigned IRingWords = 1024;  // the input ring (esp_in_ring): 64 KiB
  // A packet read goes while fewer than IBeatsAhead packet beats are asked
  // for and not arrived: more than a read's round trip (latency 64 + 3-4
  // cycles of the engines), so that R stays busy across jumbo packets (with
  // 64 the next packet's data came 3-4 cycles after the last beat of the one
  // before: 141 beats in 145 cycles at 9000 B); the process stage's reads
  // queue behind at most that many beats and one packet.
  localparam int unsigned IBeatsAhead = 80;
  localparam int unsigned IHdrWords = 4;      // words of each ticket the head's units read beside esp_aead
  localparam int unsigned DQueue = 256; // descriptors read ahead (esp_desc_stream)
  localparam int unsigned OSlots = 32;   // output slots: one lives from the head's take until its beats are out (DATAPATH.md "Buffers")
  localparam int unsigned Isw = $clog2(ISlots);
  localparam int unsigned Osw = $clog2(OSlots);
  localparam int unsigned Aw = $clog2(Depth);
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES;
  localparam int unsigned NB = PKT_BUS_BYTES;

  logic        ap_start, ap_ready, ap_done, ap_idle;
  logic [63:0] sa_table, sa_state, replay, desc_ring, cpl_ring, pkt_in, pkt_out;
  logic [31:0] ring_first, ring_log2, sa_capacity, spi_buckets_log2, desc_prod, cpl_prod;
  logic [31:0] sa_cap_eff, ring_mask, taken;
  logic        cpl_inc, init_done;
  logic [63:0] perf_cycles_q, perf_idle_q;
  logic        running_q;

  // the SA indices the card holds: min(sa_capacity, MAX_SAS); the ring:
  // 2^min(ring_log2, MAX_RING_LOG2) descriptors
  assign sa_cap_eff = (sa_capacity < 32'(MaxSas)) ? sa_capacity : 32'(MaxSas);
  assign ring_mask  = (32'd1 << ((ring_log2 < 32'(MAX_RING_LOG2)) ? ring_log2[4:0] : 5'(MAX_RING_LOG2))) - 32'd1;

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
    .sa_state_o         (sa_state),
    .replay_o           (replay),
    .desc_ring_o        (desc_ring),
    .cpl_ring_o         (cpl_ring),
    .pkt_in_o           (pkt_in),
    .pkt_out_o          (pkt_out),
    .ring_first_o       (ring_first),
    .ring_log2_o        (ring_log2),
    .sa_capacity_o      (sa_capacity),
    .spi_buckets_log2_o (spi_buckets_log2),
    .desc_prod_o        (desc_prod),
    .cpl_prod_i         (cpl_prod),
    .max_sas_i          (32'(MaxSas)),
    .max_spi_buckets_log2_i (32'(MaxSpiBucketsLog2)),
    .perf_cycles_lo_i   (perf_cycles_q[31:0]),
    .perf_cycles_hi_i   (perf_cycles_q[63:32]),
    .perf_idle_lo_i     (perf_idle_q[31:0]),
    .perf_idle_hi_i     (perf_idle_q[63:32]),
    .interrupt_o
  );

  // ------------------------------------------------------------ buffer ports
  logic          ibuf_re, obuf_re;
  logic          parse_busy, tr_busy, hb_busy;
  logic [Aw-1:0] ibuf_raddr, obuf_raddr;
  logic [Dw-1:0] ibuf_rdata, obuf_rdata;

  // ------------------------------------------------------------- sequencer
  logic          mem_valid, mem_acc, mem_done, mem_wdone;
  esp_mem_pkg::mem_cmd_e mem_cmd;
  logic [63:0]   mem_addr;
  logic [31:0]   mem_len;
  logic [Dw-1:0] mem_wimg;
  logic [NB-1:0] mem_wmask;
  logic [4*Dw-1:0] mem_rimg;
  logic [1:0]    ibuf_rsel, obuf_rsel;
  logic          parse_obuf;
  logic [Osw-1:0] obuf_rd_slot, obuf_hb_slot, aead_oslot, aead_obuf_slot;
  logic          aead_icv_we;       // esp_aead's ICV writes (its second obuf write port)
  logic [Osw-1:0] aead_icv_slot;
  logic [Aw-1:0] aead_icv_waddr;
  logic [NB-1:0] aead_icv_wbe;
  logic [Dw-1:0] aead_icv_wdata;
  logic          aead_rd_idle, aead_irel, aead_rd_done, in_pop_rel;
  logic [Isw-1:0] aead_rd_done_slot, aead_ibuf_slot;

  logic          parse_start, parse_done, tr_start, tr_done, hb_start, hb_done;
  logic          aead_req_valid, aead_req_ready, aead_rsp_valid, aead_rsp_ready;
  parse_req_t    parse_req;
  parse_rsp_t    parse_rsp;
  tr_req_t       tr_req;
  tr_rsp_t       tr_rsp;
  aead_req_t     aead_req;
  aead_rsp_t     aead_rsp;
  hb_req_t       hb_req;
  hb_rsp_t       hb_rsp;

  // fetch and write-back stages, their slots
  logic          run_start, fetch_idle, wb_idle, in_valid, in_pop, out_ready, out_push, out_wr_pkt;
  logic [8*DESCRIPTOR_SIZE-1:0] in_desc;
  logic                         in_next_enc;
  logic [31:0]                  in_next_sa;
  logic                         in_next_lk;
  logic [31:0]                  in_next_spi;
  logic [8*COMPLETION_SIZE-1:0] out_cpl;
  logic [63:0]   out_offset;
  logic [31:0]   out_length, out_capacity;
  logic [ISlots-1:0] iready;
  logic [OSlots-1:0] ofull;
  logic [Isw-1:0] ihead_slot, f_slot, mem_ibuf_slot;
  logic [Osw-1:0] oalloc_slot, odrain_slot, obuf_rslot;
  logic [OSlots-1:0] obusy;     // slots whose packet beats are not all out yet (esp_mem_access)
  logic          wb_alloc_ready;
  logic          wb_cpl_hold;     // (formal checks of esp_writeback watch it)
  logic          out_alloc;

  logic          d_valid, d_acc, d_beat, f_valid, f_acc, w_valid, w_acc, w_wdone;
  esp_mem_pkg::mem_cmd_e w_cmd;
  logic [63:0]   d_addr, f_addr, w_addr;
  logic [31:0]   d_len, f_len, w_len, w_cap;
  logic [Aw-1:0] w_base;
  logic [Dw-1:0] d_data;
  logic [Dw-1:0] w_wimg;
  logic [NB-1:0] w_wmask;

  localparam int unsigned Irw = $clog2(IRingWords);
  logic                  iwdone, ibuf_stall, mem_ibuf_we, mem_ibuf_last;
  logic [Isw-1:0]        iwdone_slot;
  logic [ISlots*Irw-1:0] ibase;

  logic          in_cls_valid;   // the head ticket's packet classified on arrival (esp_cls_ahead)
  parse_rsp_t    in_cls_rsp;

  esp_fetch #(.Slots(ISlots), .QDepth(DQueue), .RingWords(IRingWords), .BeatsAhead(IBeatsAhead), .Aw(Aw)) u_fetch (
    .clk_i,
    .rst_ni,
    .start_i       (run_start),
    .desc_ring_i   (desc_ring),
    .pkt_in_i      (pkt_in),
    .ring_first_i  (ring_first),
    .ring_mask_i   (ring_mask),
    .sa_capacity_i (sa_cap_eff),
    .desc_prod_i   (desc_prod),
    .idle_o        (fetch_idle),
    .taken_o       (taken),
    .d_valid_o     (d_valid),
    .d_addr_o      (d_addr),
    .d_len_o       (d_len),
    .d_acc_i       (d_acc),
    .d_beat_i      (d_beat),
    .d_data_i      (d_data),
    .f_valid_o     (f_valid),
    .f_addr_o      (f_addr),
    .f_len_o       (f_len),
    .f_slot_o      (f_slot),
    .f_acc_i       (f_acc),
    .f_beat_i      (mem_ibuf_we),
    .wdone_i       (iwdone),
    .wdone_slot_i  (iwdone_slot),
    .base_o        (ibase),
    .p_we_i        (mem_ibuf_we),
    .p_slot_i      (mem_ibuf_slot),
    .p_waddr_i     (mem_ibuf_waddr),
    .p_wdata_i     (mem_ibuf_wdata),
    .ready_o       (iready),
    .head_valid_o  (in_valid),
    .head_slot_o   (ihead_slot),
    .head_desc_o   (in_desc),
    .next_enc_o    (in_next_enc),
    .next_sa_o     (in_next_sa),
    .next_lk_o     (in_next_lk),
    .next_spi_o    (in_next_spi),
    .head_cls_valid_o (in_cls_valid),
    .head_cls_rsp_o   (in_cls_rsp),
    .pop_i         (in_pop),
    .pop_rel_i     (in_pop_rel),
    .rel_i         (aead_rd_done),
    .rel_slot_i    (aead_rd_done_slot)
  );

  esp_writeback #(.Slots(OSlots), .Aw(Aw)) u_writeback (
    .clk_i,
    .rst_ni,
    .start_i        (run_start),
    .cpl_ring_i     (cpl_ring),
    .pkt_out_i      (pkt_out),
    .obuf_busy_i    (obusy),
    .ring_first_i   (ring_first),
    .ring_mask_i    (ring_mask),
    .idle_o         (wb_idle),
    .cpl_prod_o     (cpl_prod),
    .cpl_inc_o      (cpl_inc),
    .cpl_hold_o     (wb_cpl_hold),
    .alloc_ready_o  (wb_alloc_ready),
    .alloc_slot_o   (oalloc_slot),
    .alloc_i        (out_alloc),
    .push_i         (out_push),
    .push_cpl_i     (out_cpl),
    .push_wr_pkt_i  (out_wr_pkt),
    .push_out_off_i (out_offset),
    .push_out_len_i (out_length),
    .push_out_cap_i (out_capacity),
    .full_o         (ofull),
    .drain_slot_o   (odrain_slot),
    .mem_valid_o    (w_valid),
    .mem_cmd_o      (w_cmd),
    .mem_addr_o     (w_addr),
    .mem_len_o      (w_len),
    .mem_cap_o      (w_cap),
    .mem_base_o     (w_base),
    .mem_wimg_o     (w_wimg),
    .mem_wmask_o    (w_wmask),
    .mem_acc_i      (w_acc),
    .mem_wdone_i    (w_wdone)
  );

  // A slot freed by the write-back stage (its completion taken) is handed to
  // the process stage once the write engine has read its packet's beats out.
  assign out_ready = wb_alloc_ready && !obusy[oalloc_slot];

  // the card's own state
  logic          inst, inst_rd, inst_we, inst_wval, spi_rd, spi_wr;
  logic [31:0]   inst_idx, inst_widx, spi_rd_bucket, spi_wr_slot;
  spi_bucket_t   spi_bucket;
  spi_slot_t     spi_wr_val;
  esp_card_state #(.MaxSas(MaxSas), .MaxBucketsLog2(MaxSpiBucketsLog2)) u_card_state (
    .clk_i,
    .rst_ni,
    .init_done_o (init_done),
    .inst_rd_i   (inst_rd),
    .inst_idx_i  (inst_idx),
    .inst_o      (inst),
    .inst_we_i   (inst_we),
    .inst_widx_i (inst_widx),
    .inst_wval_i (inst_wval),
    .rd_i        (spi_rd),
    .rd_bucket_i (spi_rd_bucket),
    .rd_bucket_o (spi_bucket),
    .wr_i        (spi_wr),
    .wr_slot_i   (spi_wr_slot),
    .wr_val_i    (spi_wr_val)
  );

  // PERF_CYCLES, PERF_IDLE: of the last run (cleared when one starts)
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      running_q     <= 1'b0;
      perf_cycles_q <= '0;
      perf_idle_q   <= '0;
    end else if (run_start) begin
      running_q     <= 1'b1;
      perf_cycles_q <= 64'd1;
      perf_idle_q   <= '0;
    end else if (running_q) begin
      perf_cycles_q <= perf_cycles_q + 64'd1;
      if (taken != cpl_prod && !cpl_inc) perf_idle_q <= perf_idle_q + 64'd1;
      if (ap_done) running_q <= 1'b0;
    end
  end

  esp_batch_ctrl #(.MaxSpiBucketsLog2(MaxSpiBucketsLog2), .MaxSas(MaxSas), .OSlots(OSlots)) u_batch_ctrl (
    .clk_i,
    .rst_ni,
    .start_i            (ap_start),
    .ready_o            (ap_ready),
    .done_o             (ap_done),
    .idle_o             (ap_idle),
    .sa_table_i         (sa_table),
    .sa_state_i         (sa_state),
    .replay_i           (replay),
    .sa_capacity_i      (sa_cap_eff),
    .spi_buckets_log2_i (spi_buckets_log2),
    .run_start_o        (run_start),
    .init_done_i        (init_done),
    .inst_rd_o          (inst_rd),
    .inst_idx_o         (inst_idx),
    .inst_i             (inst),
    .inst_we_o          (inst_we),
    .inst_widx_o        (inst_widx),
    .inst_wval_o        (inst_wval),
    .spi_rd_o           (spi_rd),
    .spi_rd_bucket_o    (spi_rd_bucket),
    .spi_bucket_i       (spi_bucket),
    .spi_wr_o           (spi_wr),
    .spi_wr_slot_o      (spi_wr_slot),
    .spi_wr_val_o       (spi_wr_val),
    .in_valid_i         (in_valid),
    .in_desc_i          (in_desc),
    .in_next_enc_i      (in_next_enc),
    .in_next_sa_i       (in_next_sa),
    .in_next_lk_i       (in_next_lk),
    .in_next_spi_i      (in_next_spi),
    .in_cls_valid_i     (in_cls_valid),
    .in_cls_rsp_i       (in_cls_rsp),
    .in_pop_o           (in_pop),
    .in_pop_rel_o       (in_pop_rel),
    .fetch_idle_i       (fetch_idle),
    .out_ready_i        (out_ready),
    .out_slot_i         (oalloc_slot),
    .out_alloc_o        (out_alloc),
    .wb_idle_i          (wb_idle),
    .mem_valid_o        (mem_valid),
    .mem_cmd_o          (mem_cmd),
    .mem_addr_o         (mem_addr),
    .mem_len_o          (mem_len),
    .mem_wimg_o         (mem_wimg),
    .mem_wmask_o        (mem_wmask),
    .mem_acc_i          (mem_acc),
    .mem_done_i         (mem_done),
    .mem_wdone_i        (mem_wdone),
    .mem_rimg_i         (mem_rimg),
    .head_o             (head_view),
    .hslot_o            (head_oslot),
    .tail_idle_i        (tail_idle),
    .tail_dec_v_i       (tail_dec_v),
    .tail_dec_sa_i      (tail_dec_sa),
    .st_wr_i            (st_wr),
    .tail_fl_i          (tail_fl),
    .fl_full_o          (fl_full),
    .parse_done_i       (parse_done),
    .parse_rsp_i        (parse_rsp),
    .tr_done_i          (tr_done),
    .tr_rsp_i           (tr_rsp),
    .aead_req_ready_i   (aead_req_ready),
    .aead_rd_idle_i     (aead_rd_idle),
    .aead_rsp_valid_i   (aead_rsp_valid),
    .aead_rsp_i         (aead_rsp),
    .hb_done_i          (hb_done)
  );

  // the process stage's units and buffer ports, its tail (esp_batch_units)
  head_view_t    head_view;
  logic [Osw-1:0] head_oslot;
  logic          tail_idle;
  logic [OSlots-1:0]       tail_dec_v;
  logic [OSlots-1:0][31:0] tail_dec_sa;
  st_wr_t        st_wr;
  te_flush_t     tail_fl;
  logic          fl_full;
  esp_batch_units #(.OSlots(OSlots)) u_batch_units (
    .clk_i,
    .rst_ni,
    .head_i             (head_view),
    .hslot_i            (head_oslot),
    .tail_idle_o        (tail_idle),
    .dec_v_o            (tail_dec_v),
    .dec_sa_o           (tail_dec_sa),
    .st_wr_o            (st_wr),
    .tail_fl_o          (tail_fl),
    .fl_full_i          (fl_full),
    .out_push_o         (out_push),
    .out_cpl_o          (out_cpl),
    .out_wr_pkt_o       (out_wr_pkt),
    .out_offset_o       (out_offset),
    .out_length_o       (out_length),
    .out_capacity_o     (out_capacity),
    .ibuf_rsel_o        (ibuf_rsel),
    .obuf_rsel_o        (obuf_rsel),
    .parse_obuf_o       (parse_obuf),
    .obuf_rd_slot_o     (obuf_rd_slot),
    .obuf_hb_slot_o     (obuf_hb_slot),
    .parse_start_o      (parse_start),
    .parse_req_o        (parse_req),
    .tr_start_o         (tr_start),
    .tr_req_o           (tr_req),
    .aead_req_valid_o   (aead_req_valid),
    .aead_req_ready_i   (aead_req_ready),
    .aead_req_o         (aead_req),
    .aead_oslot_o       (aead_oslot),
    .aead_irel_o        (aead_irel),
    .aead_rd_idle_i     (aead_rd_idle),
    .aead_rsp_valid_i   (aead_rsp_valid),
    .aead_rsp_ready_o   (aead_rsp_ready),
    .aead_rsp_i         (aead_rsp),
    .hb_start_o         (hb_start),
    .hb_req_o           (hb_req),
    .hb_done_i          (hb_done)
  );

  // ------------------------------------------------------ card memory (AXI)
  // The AXI4 master as esp_mem_pkg's bundles, flat at the kernel's ports.
  esp_mem_pkg::axi_req_t axi_req;
  esp_mem_pkg::axi_rsp_t axi_rsp;
  assign {m_axi_awaddr, m_axi_awlen, m_axi_awsize, m_axi_awburst, m_axi_awcache, m_axi_awprot} = axi_req.wr.aw;
  assign m_axi_awvalid = axi_req.wr.aw_valid;
  assign m_axi_wdata   = axi_req.wr.w_data;
  assign m_axi_wstrb   = axi_req.wr.w_strb;
  assign m_axi_wlast   = axi_req.wr.w_last;
  assign m_axi_wvalid  = axi_req.wr.w_valid;
  assign m_axi_bready  = axi_req.wr.b_ready;
  assign {m_axi_araddr, m_axi_arlen, m_axi_arsize, m_axi_arburst, m_axi_arcache, m_axi_arprot} = axi_req.rd.ar;
  assign m_axi_arvalid = axi_req.rd.ar_valid;
  assign m_axi_rready  = axi_req.rd.r_ready;
  assign axi_rsp.wr.aw_ready = m_axi_awready;
  assign axi_rsp.wr.w_ready  = m_axi_wready;
  assign axi_rsp.wr.b_resp   = m_axi_bresp;
  assign axi_rsp.wr.b_valid  = m_axi_bvalid;
  assign axi_rsp.rd.ar_ready = m_axi_arready;
  assign axi_rsp.rd.r_data   = m_axi_rdata;
  assign axi_rsp.rd.r_resp   = m_axi_rresp;
  assign axi_rsp.rd.r_last   = m_axi_rlast;
  assign axi_rsp.rd.r_valid  = m_axi_rvalid;

  logic          mem_obuf_re;
  logic [Aw-1:0] mem_ibuf_waddr, mem_obuf_raddr;
  logic [Dw-1:0] mem_ibuf_wdata;

  esp_mem_access #(
    .Depth     (Depth),
    .Slots     (ISlots),
    .OSlots    (OSlots)
  ) u_mem_access (
    .clk_i,
    .rst_ni,
    .p_valid_i    (mem_valid),
    .p_cmd_i      (mem_cmd),
    .p_addr_i     (mem_addr),
    .p_len_i      (mem_len),
    .p_wimg_i     (mem_wimg),
    .p_wmask_i    (mem_wmask),
    .p_acc_o      (mem_acc),
    .p_done_o     (mem_done),
    .p_wdone_o    (mem_wdone),
    .p_rimg_o     (mem_rimg),
    .d_valid_i    (d_valid),
    .d_addr_i     (d_addr),
    .d_len_i      (d_len),
    .d_acc_o      (d_acc),
    .d_beat_o     (d_beat),
    .d_data_o     (d_data),
    .f_valid_i    (f_valid),
    .f_addr_i     (f_addr),
    .f_len_i      (f_len),
    .f_slot_i     (f_slot),
    .f_acc_o      (f_acc),
    .w_valid_i    (w_valid),
    .w_cmd_i      (w_cmd),
    .w_addr_i     (w_addr),
    .w_len_i      (w_len),
    .w_cap_i      (w_cap),
    .w_base_i     (w_base),
    .w_wimg_i     (w_wimg),
    .w_wmask_i    (w_wmask),
    .w_slot_i     (odrain_slot),
    .w_acc_o      (w_acc),
    .w_wdone_o    (w_wdone),
    .ibuf_we_o    (mem_ibuf_we),
    .ibuf_slot_o  (mem_ibuf_slot),
    .ibuf_waddr_o (mem_ibuf_waddr),
    .ibuf_wdata_o (mem_ibuf_wdata),
    .ibuf_last_o  (mem_ibuf_last),
    .ibuf_stall_i (ibuf_stall),
    .obuf_re_o    (mem_obuf_re),
    .obuf_raddr_o (mem_obuf_raddr),
    .obuf_rslot_o (obuf_rslot),
    .obuf_busy_o  (obusy),
    .obuf_rdata_i (wb_obuf_rdata),
    .axi_o        (axi_req),
    .axi_i        (axi_rsp)
  );

  // ------------------------------------------------------------ the buffers
  // ibuf: filled by the fetch stage, used by the process stage; obuf: built
  // by the process stage, written out by the write-back stage. ibuf_* /
  // obuf_* below are the process stage's side of each.
  logic [Dw-1:0] wb_obuf_rdata;

  esp_in_ring #(.Words(IRingWords), .Tickets(ISlots), .Aw(Aw), .HdrWords(IHdrWords)) u_ibuf (
    .clk_i,
    .rst_ni,
    .base_i      (ibase),
    .p_we_i      (mem_ibuf_we),
    .p_slot_i    (mem_ibuf_slot),
    .p_waddr_i   (mem_ibuf_waddr),
    .p_wdata_i   (mem_ibuf_wdata),
    .p_last_i    (mem_ibuf_last),
    .stall_o     (ibuf_stall),
    .done_o      (iwdone),
    .done_slot_o (iwdone_slot),
    .c_slot_i    (ihead_slot),
    .h_re_i    (ibuf_re),
    .h_raddr_i (ibuf_raddr),
    .h_rdata_o (ibuf_rdata),
    .a_slot_i  (aead_ibuf_slot),
    .a_re_i    (aead_ibuf_re),
    .a_raddr_i (aead_ibuf_raddr),
    .a_rdata_o (aead_ibuf_rdata)
  );

  // obuf: every port names its output slot (esp_aead's: its job's; esp_hdr_build's:
  // the sequencer's; the head's readers' (r): the head's; the tail's own
  // esp_trailer / esp_ip_parse (t): the tail's descriptor's)
  esp_out_bank #(.Depth(Depth), .Slots(OSlots)) u_obuf (
    .clk_i,
    .rst_ni,
    .full_i    (ofull | obusy),
    .alloc_i      (out_alloc),
    .alloc_slot_i (oalloc_slot),
    .a_slot_i  (aead_obuf_slot),
    .a_we_i    (aead_obuf_we),
    .a_waddr_i (aead_obuf_waddr),
    .a_wbe_i   (aead_obuf_wbe),
    .a_wdata_i (aead_obuf_wdata),
    .i_slot_i  (aead_icv_slot),
    .i_we_i    (aead_icv_we),
    .i_waddr_i (aead_icv_waddr),
    .i_wbe_i   (aead_icv_wbe),
    .i_wdata_i (aead_icv_wdata),
    .b_slot_i  (obuf_hb_slot),
    .b_we_i    (hb_we),
    .b_waddr_i (hb_waddr),
    .b_wbe_i   (hb_wbe),
    .b_wdata_i (hb_wdata),
    .r_slot_i  (obuf_rd_slot),
    .r_re_i    (obuf_re),
    .r_raddr_i (obuf_raddr),
    .r_rdata_o (obuf_rdata),
    .c_slot_i  (obuf_rslot),
    .c_re_i    (mem_obuf_re),
    .c_raddr_i (mem_obuf_raddr),
    .c_rdata_o (wb_obuf_rdata)
  );

  // unit ports
  logic          parse_re, tr_re, aead_ibuf_re, aead_obuf_we, hb_re, hb_we;
  logic [Aw-1:0] parse_raddr, tr_raddr, aead_ibuf_raddr, aead_obuf_waddr, hb_raddr, hb_waddr;
  logic [NB-1:0] aead_obuf_wbe, hb_wbe;
  logic [Dw-1:0] aead_obuf_wdata, hb_wdata, aead_ibuf_rdata;

  always_comb begin
    // ibuf read of the head's ticket: esp_ip_parse or esp_hdr_build (esp_aead
    // reads with its job's ticket on its own port)
    unique case (ibuf_rsel)
      2'd1:    begin ibuf_re = 1'b0;  ibuf_raddr = hb_raddr; end
      2'd2:    begin ibuf_re = hb_re; ibuf_raddr = hb_raddr; end
      default: begin ibuf_re = parse_re & ~parse_obuf; ibuf_raddr = parse_raddr; end
    endcase
    // obuf read: esp_trailer or esp_ip_parse
    unique case (obuf_rsel)
      2'd1:    begin obuf_re = tr_re; obuf_raddr = tr_raddr; end
      2'd2:    begin obuf_re = parse_re & parse_obuf; obuf_raddr = parse_raddr; end
      default: begin obuf_re = 1'b0; obuf_raddr = parse_raddr; end
    endcase
  end

  // ------------------------------------------------------------------ units
  esp_ip_parse #(.Depth(Depth)) u_ip_parse (
    .clk_i,
    .rst_ni,
    .start_i   (parse_start),
    .req_i     (parse_req),
    .rd_re_o   (parse_re),
    .rd_addr_o (parse_raddr),
    .rd_data_i (parse_obuf ? obuf_rdata : ibuf_rdata),
    .busy_o    (parse_busy),
    .done_o    (parse_done),
    .rsp_o     (parse_rsp)
  );

  esp_trailer #(.Depth(Depth)) u_trailer (
    .clk_i,
    .rst_ni,
    .start_i       (tr_start),
    .req_i         (tr_req),
    .rd_re_o       (tr_re),
    .rd_addr_o     (tr_raddr),
    .rd_data_i     (obuf_rdata),
    .busy_o        (tr_busy),
    .done_o        (tr_done),
    .rsp_o         (tr_rsp)
  );

  // each job's input ticket (esp_aead reads its jobs in order, whole)
  esp_aead_tickets #(.ISlotW(Isw)) u_aead_tickets (
    .clk_i,
    .rst_ni,
    .req_fire_i     (aead_req_valid && aead_req_ready),
    .req_i          (aead_req),
    .req_islot_i    (ihead_slot),        // the head holds the job's ticket when it issues it
    .req_irel_i     (aead_irel),
    .ibuf_re_i      (aead_ibuf_re),
    .slot_o         (aead_ibuf_slot),
    .rd_done_o      (aead_rd_done),
    .rd_done_slot_o (aead_rd_done_slot)
  );

  esp_aead #(.OSlotW(Osw)) u_aead (
    .clk_i,
    .rst_ni,
    .req_valid_i      (aead_req_valid),
    .req_ready_o      (aead_req_ready),
    .req_i            (aead_req),
    .req_oslot_i      (aead_oslot),
    .rd_idle_o        (aead_rd_idle),
    .ibuf_re_o        (aead_ibuf_re),
    .ibuf_raddr_o     (aead_ibuf_raddr),
    .ibuf_rdata_i     (aead_ibuf_rdata),
    .obuf_we_o        (aead_obuf_we),
    .obuf_slot_o      (aead_obuf_slot),
    .obuf_waddr_o     (aead_obuf_waddr),
    .obuf_wbe_o       (aead_obuf_wbe),
    .obuf_wdata_o     (aead_obuf_wdata),
    .icv_we_o         (aead_icv_we),
    .icv_slot_o       (aead_icv_slot),
    .icv_waddr_o      (aead_icv_waddr),
    .icv_wbe_o        (aead_icv_wbe),
    .icv_wdata_o      (aead_icv_wdata),
    .rsp_valid_o      (aead_rsp_valid),
    .rsp_ready_i      (aead_rsp_ready),
    .rsp_o            (aead_rsp)
  );

  esp_hdr_build #(.Depth(Depth)) u_hdr_build (
    .clk_i,
    .rst_ni,
    .start_i       (hb_start),
    .req_i         (hb_req),
    .rd_re_o       (hb_re),
    .rd_addr_o     (hb_raddr),
    .rd_data_i     (ibuf_rdata),
    .wr_we_o       (hb_we),
    .wr_addr_o     (hb_waddr),
    .wr_be_o       (hb_wbe),
    .wr_data_o     (hb_wdata),
    .busy_o        (hb_busy),
    .done_o        (hb_done),
    .rsp_o         (hb_rsp)
  );

  // Results the sequencer does not need (it plans the same numbers itself).
  logic unused_results;
  assign unused_results = ^{parse_busy, tr_busy, hb_busy, hb_rsp, iready, wb_cpl_hold};

endmodule : esp_engine

`default_nettype wire
