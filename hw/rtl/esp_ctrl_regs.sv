// esp_ctrl_regs: the AXI4-Lite control slave of the esp_engine kernel.
//
// The register map is esp_spec_pkg's (generated from hw/spec/esp_spec.yaml),
// Vitis ap_ctrl_hs conventions:
//   CTRL  AP_START     rw  set by a host write of 1, cleared when the kernel
//                          signals ap_ready (kept with AUTO_RESTART)
//         AP_DONE      ro  set by ap_done, cleared when CTRL is read
//         AP_IDLE      ro  the kernel's ap_idle
//         AP_READY     ro  set by ap_ready, cleared when CTRL is read
//         AUTO_RESTART rw
//   GIE   bit 0 rw; IER bits 1:0 rw; ISR bits 1:0 set by done/ready when
//         enabled in IER, toggled by a write of 1 (interrupt_o = GIE & |ISR)
//   ARG_* the data words of the kernel arguments (64-bit pointers: lo, hi;
//         32-bit scalars: data); the reserved word after each reads 0
//   ID, VERSION, CAPS, SPEC_HASH  read-only, from the package
// Any other offset reads 0 and ignores writes; every access answers OKAY.
`default_nettype none

module esp_ctrl_regs
  import esp_spec_pkg::*;
#(
  parameter int unsigned AddrWidth = $clog2(REG_SPACE_BYTES)
) (
  input  wire logic                 clk_i,
  input  wire logic                 rst_ni,

  // AXI4-Lite slave
  input  wire logic [AddrWidth-1:0] s_axil_awaddr,
  input  wire logic                 s_axil_awvalid,
  output      logic                 s_axil_awready,
  input  wire logic [31:0]          s_axil_wdata,
  input  wire logic [3:0]           s_axil_wstrb,
  input  wire logic                 s_axil_wvalid,
  output      logic                 s_axil_wready,
  output      logic [1:0]           s_axil_bresp,
  output      logic                 s_axil_bvalid,
  input  wire logic                 s_axil_bready,
  input  wire logic [AddrWidth-1:0] s_axil_araddr,
  input  wire logic                 s_axil_arvalid,
  output      logic                 s_axil_arready,
  output      logic [31:0]          s_axil_rdata,
  output      logic [1:0]           s_axil_rresp,
  output      logic                 s_axil_rvalid,
  input  wire logic                 s_axil_rready,

  // ap_ctrl_hs towards the kernel
  output      logic                 ap_start_o,
  input  wire logic                 ap_ready_i,   // one-cycle pulse
  input  wire logic                 ap_done_i,    // one-cycle pulse
  input  wire logic                 ap_idle_i,

  // kernel arguments (register values)
  output      logic [63:0]          sa_table_o,
  output      logic [63:0]          replay_o,
  output      logic [63:0]          counters_o,
  output      logic [63:0]          spi_table_o,
  output      logic [63:0]          desc_o,
  output      logic [63:0]          completions_o,
  output      logic [63:0]          pkt_in_o,
  output      logic [63:0]          pkt_out_o,
  output      logic [31:0]          n_desc_o,
  output      logic [31:0]          sa_capacity_o,
  output      logic [31:0]          spi_buckets_log2_o,

  output      logic                 interrupt_o
);

  localparam logic [1:0] RespOkay = 2'b00;
  localparam int unsigned WordBits = AddrWidth - 2;

  // The kernel arguments in the spec's (Vitis) order. The list must have
  // ARG_COUNT entries: a new argument in the spec fails elaboration here.
  localparam int unsigned ArgOffset[ARG_COUNT] = '{
    ARG_SA_TABLE_OFFSET, ARG_REPLAY_OFFSET, ARG_COUNTERS_OFFSET, ARG_SPI_TABLE_OFFSET,
    ARG_DESC_OFFSET, ARG_COMPLETIONS_OFFSET, ARG_PKT_IN_OFFSET, ARG_PKT_OUT_OFFSET,
    ARG_N_DESC_OFFSET, ARG_SA_CAPACITY_OFFSET, ARG_SPI_BUCKETS_LOG2_OFFSET
  };
  localparam int unsigned ArgWidth[ARG_COUNT] = '{
    ARG_SA_TABLE_WIDTH, ARG_REPLAY_WIDTH, ARG_COUNTERS_WIDTH, ARG_SPI_TABLE_WIDTH,
    ARG_DESC_WIDTH, ARG_COMPLETIONS_WIDTH, ARG_PKT_IN_WIDTH, ARG_PKT_OUT_WIDTH,
    ARG_N_DESC_WIDTH, ARG_SA_CAPACITY_WIDTH, ARG_SPI_BUCKETS_LOG2_WIDTH
  };

  function automatic logic [WordBits-1:0] word_of(int unsigned byte_offset);
    return WordBits'(byte_offset / 4);
  endfunction

  // Byte-strobe merge of a 32-bit register.
  function automatic logic [31:0] merge(logic [31:0] old, logic [31:0] data, logic [3:0] strb);
    logic [31:0] r;
    for (int b = 0; b < 4; b++) r[8*b +: 8] = strb[b] ? data[8*b +: 8] : old[8*b +: 8];
    return r;
  endfunction

  // ---------------------------------------------------------------- write path
  logic                 aw_held_q, aw_held_d;
  logic [WordBits-1:0]  aw_word_q, aw_word_d;
  logic                 w_held_q, w_held_d;
  logic [31:0]          w_data_q, w_data_d;
  logic [3:0]           w_strb_q, w_strb_d;
  logic                 bvalid_q, bvalid_d;

  assign s_axil_awready = ~aw_held_q & ~bvalid_q;
  assign s_axil_wready  = ~w_held_q & ~bvalid_q;
  assign s_axil_bvalid  = bvalid_q;
  assign s_axil_bresp   = RespOkay;

  logic aw_fire, w_fire, wr_en;
  assign aw_fire = s_axil_awvalid & s_axil_awready;
  assign w_fire  = s_axil_wvalid & s_axil_wready;

  // The register write happens in the cycle address and data are both known.
  logic                wr_has_aw, wr_has_w;
  logic [WordBits-1:0] wr_word;
  logic [31:0]         wr_data;
  logic [3:0]          wr_strb;
  assign wr_has_aw = aw_held_q | aw_fire;
  assign wr_has_w  = w_held_q | w_fire;
  assign wr_en     = wr_has_aw & wr_has_w & ~bvalid_q;
  assign wr_word   = aw_held_q ? aw_word_q : s_axil_awaddr[AddrWidth-1:2];
  assign wr_data   = w_held_q ? w_data_q : s_axil_wdata;
  assign wr_strb   = w_held_q ? w_strb_q : s_axil_wstrb;

  always_comb begin
    aw_held_d = aw_held_q;
    aw_word_d = aw_word_q;
    w_held_d  = w_held_q;
    w_data_d  = w_data_q;
    w_strb_d  = w_strb_q;
    bvalid_d  = bvalid_q;
    if (aw_fire) begin
      aw_held_d = 1'b1;
      aw_word_d = s_axil_awaddr[AddrWidth-1:2];
    end
    if (w_fire) begin
      w_held_d = 1'b1;
      w_data_d = s_axil_wdata;
      w_strb_d = s_axil_wstrb;
    end
    if (wr_en) begin
      aw_held_d = 1'b0;
      w_held_d  = 1'b0;
      bvalid_d  = 1'b1;
    end else if (bvalid_q & s_axil_bready) begin
      bvalid_d = 1'b0;
    end
  end

  // ----------------------------------------------------------------- read path
  logic        rvalid_q, rvalid_d;
  logic [31:0] rdata_q, rdata_d;
  logic        ar_fire;
  logic [WordBits-1:0] rd_word;

  assign s_axil_arready = ~rvalid_q;
  assign s_axil_rvalid  = rvalid_q;
  assign s_axil_rdata   = rdata_q;
  assign s_axil_rresp   = RespOkay;
  assign ar_fire        = s_axil_arvalid & s_axil_arready;
  assign rd_word        = s_axil_araddr[AddrWidth-1:2];

  // ------------------------------------------------------------- the registers
  logic        ap_start_q, ap_start_d;
  logic        ap_done_q, ap_done_d;
  logic        ap_ready_q, ap_ready_d;
  logic        auto_restart_q, auto_restart_d;
  logic        gie_q, gie_d;
  logic [1:0]  ier_q, ier_d;
  logic [1:0]  isr_q, isr_d;
  logic [63:0] arg_q[ARG_COUNT];
  logic [63:0] arg_d[ARG_COUNT];

  logic rd_ctrl;
  assign rd_ctrl = ar_fire & (rd_word == word_of(REG_CTRL));

  logic [31:0] ctrl_value;
  always_comb begin
    ctrl_value = '0;
    ctrl_value[REG_CTRL_AP_START_BIT]     = ap_start_q;
    ctrl_value[REG_CTRL_AP_DONE_BIT]      = ap_done_q;
    ctrl_value[REG_CTRL_AP_IDLE_BIT]      = ap_idle_i;
    ctrl_value[REG_CTRL_AP_READY_BIT]     = ap_ready_q;
    ctrl_value[REG_CTRL_AUTO_RESTART_BIT] = auto_restart_q;
  end

  always_comb begin
    ap_start_d     = ap_start_q;
    auto_restart_d = auto_restart_q;
    gie_d          = gie_q;
    ier_d          = ier_q;
    isr_d          = isr_q;
    for (int i = 0; i < ARG_COUNT; i++) arg_d[i] = arg_q[i];

    // Clear-on-read first; a completion in the same cycle wins.
    ap_done_d  = (ap_done_q & ~rd_ctrl) | ap_done_i;
    ap_ready_d = (ap_ready_q & ~rd_ctrl) | ap_ready_i;
    if (ap_ready_i & ~auto_restart_q) ap_start_d = 1'b0;

    if (ap_done_i & ier_q[0]) isr_d[0] = 1'b1;
    if (ap_ready_i & ier_q[1]) isr_d[1] = 1'b1;

    if (wr_en) begin
      if (wr_word == word_of(REG_CTRL)) begin
        if (wr_strb[REG_CTRL_AP_START_BIT / 8] & wr_data[REG_CTRL_AP_START_BIT]) ap_start_d = 1'b1;
        if (wr_strb[REG_CTRL_AUTO_RESTART_BIT / 8]) auto_restart_d = wr_data[REG_CTRL_AUTO_RESTART_BIT];
      end
      if (wr_word == word_of(REG_GIE) && wr_strb[0]) gie_d = wr_data[0];
      if (wr_word == word_of(REG_IER) && wr_strb[0]) ier_d = wr_data[1:0];
      if (wr_word == word_of(REG_ISR) && wr_strb[0]) isr_d = isr_d ^ wr_data[1:0];
      for (int i = 0; i < ARG_COUNT; i++) begin
        if (wr_word == word_of(ArgOffset[i])) begin
          arg_d[i][31:0] = merge(arg_q[i][31:0], wr_data, wr_strb);
        end
        if (ArgWidth[i] == 64 && wr_word == word_of(ArgOffset[i] + 4)) begin
          arg_d[i][63:32] = merge(arg_q[i][63:32], wr_data, wr_strb);
        end
      end
    end
  end

  // Read data mux.
  always_comb begin
    rvalid_d = rvalid_q;
    rdata_d  = rdata_q;
    if (ar_fire) begin
      rvalid_d = 1'b1;
      rdata_d  = '0;
      if (rd_word == word_of(REG_CTRL)) rdata_d = ctrl_value;
      if (rd_word == word_of(REG_GIE)) rdata_d = {31'b0, gie_q};
      if (rd_word == word_of(REG_IER)) rdata_d = {30'b0, ier_q};
      if (rd_word == word_of(REG_ISR)) rdata_d = {30'b0, isr_q};
      if (rd_word == word_of(REG_ID)) rdata_d = KERNEL_ID;
      if (rd_word == word_of(REG_VERSION)) rdata_d = VERSION;
      if (rd_word == word_of(REG_CAPS)) rdata_d = CAPS_ALL;
      if (rd_word == word_of(REG_SPEC_HASH)) rdata_d = SPEC_HASH;
      for (int i = 0; i < ARG_COUNT; i++) begin
        if (rd_word == word_of(ArgOffset[i])) rdata_d = arg_q[i][31:0];
        if (ArgWidth[i] == 64 && rd_word == word_of(ArgOffset[i] + 4)) rdata_d = arg_q[i][63:32];
      end
    end else if (rvalid_q & s_axil_rready) begin
      rvalid_d = 1'b0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      aw_held_q      <= 1'b0;
      aw_word_q      <= '0;
      w_held_q       <= 1'b0;
      w_data_q       <= '0;
      w_strb_q       <= '0;
      bvalid_q       <= 1'b0;
      rvalid_q       <= 1'b0;
      rdata_q        <= '0;
      ap_start_q     <= 1'b0;
      ap_done_q      <= 1'b0;
      ap_ready_q     <= 1'b0;
      auto_restart_q <= 1'b0;
      gie_q          <= 1'b0;
      ier_q          <= '0;
      isr_q          <= '0;
      for (int i = 0; i < ARG_COUNT; i++) arg_q[i] <= '0;
    end else begin
      aw_held_q      <= aw_held_d;
      aw_word_q      <= aw_word_d;
      w_held_q       <= w_held_d;
      w_data_q       <= w_data_d;
      w_strb_q       <= w_strb_d;
      bvalid_q       <= bvalid_d;
      rvalid_q       <= rvalid_d;
      rdata_q        <= rdata_d;
      ap_start_q     <= ap_start_d;
      ap_done_q      <= ap_done_d;
      ap_ready_q     <= ap_ready_d;
      auto_restart_q <= auto_restart_d;
      gie_q          <= gie_d;
      ier_q          <= ier_d;
      isr_q          <= isr_d;
      for (int i = 0; i < ARG_COUNT; i++) arg_q[i] <= arg_d[i];
    end
  end

  assign ap_start_o  = ap_start_q;
  assign interrupt_o = gie_q & (|isr_q);

  // Arguments in the spec's order (see ArgOffset).
  assign sa_table_o         = arg_q[0];
  assign replay_o           = arg_q[1];
  assign counters_o         = arg_q[2];
  assign spi_table_o        = arg_q[3];
  assign desc_o             = arg_q[4];
  assign completions_o      = arg_q[5];
  assign pkt_in_o           = arg_q[6];
  assign pkt_out_o          = arg_q[7];
  assign n_desc_o           = arg_q[8][31:0];
  assign sa_capacity_o      = arg_q[9][31:0];
  assign spi_buckets_log2_o = arg_q[10][31:0];

  // The upper halves of the scalar arguments are never written; registers are
  // word-addressed (the byte-in-word address bits do not matter).
  logic unused_bits;
  assign unused_bits = ^{arg_q[8][63:32], arg_q[9][63:32], arg_q[10][63:32],
                         s_axil_awaddr[1:0], s_axil_araddr[1:0]};

endmodule : esp_ctrl_regs

`default_nettype wire
