// esp_batch_ctrl: the engine sequencer of the esp_engine shell.
//
// On start it walks the batch: for each of the n_desc descriptors it reads
// the descriptor (one 64-byte AXI beat), decides what the shell can decide
// of CONTRACT.md, and writes the descriptor's completion (one 64-byte beat,
// 32 strobed bytes), in order. Then it pulses done (and ready).
//
// Decided here, in the contract's order:
//   1. op not ENCRYPT/DECRYPT                                   -> BAD_OPCODE
//   2. in_offset / out_offset not multiples of PKT_BUS_BYTES,
//      in_length 0 or above MAX_PKT_BYTES                       -> MALFORMED
//   ENCRYPT 1: sa_index >= sa_capacity                          -> BAD_SA
//              (then the SA entry's first 64 bytes are read)
//              slot not VALID                                   -> SA_DISABLED
//              SA not OUTBOUND, icv_len not 8/12/16             -> BAD_SA
// Everything after that (DECRYPT from its step 1, ENCRYPT from its step 2)
// needs the packet datapath, which this shell does not have yet: such a
// descriptor completes with StatusUnimplemented (all ones: no status of the
// spec), never with a status the contract defines. The cosim backend refuses
// a batch that produced it.
//
// Completion fields: out_offset always; sa_index and spi once an ENCRYPT's
// sa_index < sa_capacity (0xFFFFFFFF / 0 before); out_length 0, seq 0, flags 0.
//
// Assumes the desc, completions and sa_table bases are 64-byte aligned (card
// buffers are 4 KiB aligned); the low 6 address bits of each beat are dropped.
`default_nettype none

module esp_batch_ctrl
  import esp_spec_pkg::*;
(
  input  wire logic          clk_i,
  input  wire logic          rst_ni,

  // ap_ctrl_hs
  input  wire logic          start_i,
  output      logic          ready_o,   // pulse: arguments consumed (with done)
  output      logic          done_o,    // pulse: the batch is complete
  output      logic          idle_o,

  // kernel arguments, sampled on start
  input  wire logic [63:0]   sa_table_i,
  input  wire logic [63:0]   desc_i,
  input  wire logic [63:0]   completions_i,
  input  wire logic [31:0]   n_desc_i,
  input  wire logic [31:0]   sa_capacity_i,

  // AXI4 master to card memory (512-bit data, 64-bit address)
  output      logic [63:0]   m_axi_awaddr,
  output      logic [7:0]    m_axi_awlen,
  output      logic [2:0]    m_axi_awsize,
  output      logic [1:0]    m_axi_awburst,
  output      logic [3:0]    m_axi_awcache,
  output      logic [2:0]    m_axi_awprot,
  output      logic          m_axi_awvalid,
  input  wire logic          m_axi_awready,
  output      logic [511:0]  m_axi_wdata,
  output      logic [63:0]   m_axi_wstrb,
  output      logic          m_axi_wlast,
  output      logic          m_axi_wvalid,
  input  wire logic          m_axi_wready,
  input  wire logic [1:0]    m_axi_bresp,
  input  wire logic          m_axi_bvalid,
  output      logic          m_axi_bready,
  output      logic [63:0]   m_axi_araddr,
  output      logic [7:0]    m_axi_arlen,
  output      logic [2:0]    m_axi_arsize,
  output      logic [1:0]    m_axi_arburst,
  output      logic [3:0]    m_axi_arcache,
  output      logic [2:0]    m_axi_arprot,
  output      logic          m_axi_arvalid,
  input  wire logic          m_axi_arready,
  input  wire logic [511:0]  m_axi_rdata,
  input  wire logic [1:0]    m_axi_rresp,
  input  wire logic          m_axi_rlast,
  input  wire logic          m_axi_rvalid,
  output      logic          m_axi_rready
);

  localparam int unsigned BeatBytes = PKT_BUS_BYTES;          // 64
  localparam int unsigned BeatShift = $clog2(BeatBytes);
  localparam int unsigned DescBits  = 8 * DESCRIPTOR_SIZE;
  localparam int unsigned CplBits   = 8 * COMPLETION_SIZE;
  localparam int unsigned DescShift = $clog2(DESCRIPTOR_SIZE);
  localparam int unsigned CplShift  = $clog2(COMPLETION_SIZE);
  localparam int unsigned SaShift   = $clog2(SA_ENTRY_SIZE);
  localparam int unsigned PktAlignBits = $clog2(PKT_BUS_BYTES);

  // Not a status of the spec: "the shell cannot decide this descriptor yet".
  localparam logic [COMPLETION_STATUS_WIDTH-1:0] StatusUnimplemented = '1;
  localparam logic [31:0] NoSaIndex = '1;

  typedef enum logic [3:0] {
    StIdle,
    StNext,
    StDescAr,
    StDescR,
    StDecide,
    StSaAr,
    StSaR,
    StCplW,
    StCplB,
    StDone
  } state_e;

  state_e      state_q, state_d;
  logic [31:0] idx_q, idx_d;
  logic [31:0] n_desc_q, n_desc_d;
  logic [31:0] sa_cap_q, sa_cap_d;
  logic [63:0] sa_table_q, sa_table_d;
  logic [63:0] desc_base_q, desc_base_d;
  logic [63:0] cpl_base_q, cpl_base_d;
  logic        aw_done_q, aw_done_d;
  logic        w_done_q, w_done_d;

  // Datapath registers (no reset: loaded before use).
  logic [DescBits-1:0] desc_q, desc_d;
  logic [15:0]         status_q, status_d;
  logic [31:0]         cpl_sa_q, cpl_sa_d;
  logic [31:0]         cpl_spi_q, cpl_spi_d;

  // --------------------------------------------------------- descriptor fields
  logic [DESCRIPTOR_OP_WIDTH-1:0]        desc_op;
  logic [DESCRIPTOR_SA_INDEX_WIDTH-1:0]  desc_sa_index;
  logic [DESCRIPTOR_IN_OFFSET_WIDTH-1:0] desc_in_offset;
  logic [DESCRIPTOR_IN_LENGTH_WIDTH-1:0] desc_in_length;
  logic [DESCRIPTOR_OUT_OFFSET_WIDTH-1:0] desc_out_offset;
  assign desc_op         = desc_q[8*DESCRIPTOR_OP_OFFSET +: DESCRIPTOR_OP_WIDTH];
  assign desc_sa_index   = desc_q[8*DESCRIPTOR_SA_INDEX_OFFSET +: DESCRIPTOR_SA_INDEX_WIDTH];
  assign desc_in_offset  = desc_q[8*DESCRIPTOR_IN_OFFSET_OFFSET +: DESCRIPTOR_IN_OFFSET_WIDTH];
  assign desc_in_length  = desc_q[8*DESCRIPTOR_IN_LENGTH_OFFSET +: DESCRIPTOR_IN_LENGTH_WIDTH];
  assign desc_out_offset = desc_q[8*DESCRIPTOR_OUT_OFFSET_OFFSET +: DESCRIPTOR_OUT_OFFSET_WIDTH];

  logic op_encrypt, op_decrypt, misaligned, bad_length;
  logic unused_in_offset_hi;  // the packet datapath reads in_offset; the shell checks alignment
  assign unused_in_offset_hi = ^desc_in_offset[DESCRIPTOR_IN_OFFSET_WIDTH-1:PktAlignBits];
  assign op_encrypt = desc_op == OPCODE_ENCRYPT;
  assign op_decrypt = desc_op == OPCODE_DECRYPT;
  assign misaligned = (desc_in_offset[PktAlignBits-1:0] != '0) | (desc_out_offset[PktAlignBits-1:0] != '0);
  assign bad_length = (desc_in_length == '0) | (desc_in_length > MAX_PKT_BYTES);

  // ---------------------------------------------------------------- addresses
  logic [63:0] desc_addr, cpl_addr, sa_addr;
  assign desc_addr = desc_base_q + (64'(idx_q) << DescShift);
  assign cpl_addr  = cpl_base_q + (64'(idx_q) << CplShift);
  assign sa_addr   = sa_table_q + (64'(desc_sa_index) << SaShift);

  // The 64-byte beat holding byte address a.
  function automatic logic [63:0] beat_addr(logic [63:0] a);
    return a & ~(64'(BeatBytes) - 64'd1);
  endfunction

  // ----------------------------------------------- SA entry fields (first beat)
  logic [SA_ENTRY_SPI_WIDTH-1:0]     sa_spi;
  logic [SA_ENTRY_FLAGS_WIDTH-1:0]   sa_flags;
  logic [SA_ENTRY_ICV_LEN_WIDTH-1:0] sa_icv_len;
  logic                              sa_icv_ok;
  assign sa_spi     = m_axi_rdata[8*SA_ENTRY_SPI_OFFSET +: SA_ENTRY_SPI_WIDTH];
  assign sa_flags   = m_axi_rdata[8*SA_ENTRY_FLAGS_OFFSET +: SA_ENTRY_FLAGS_WIDTH];
  assign sa_icv_len = m_axi_rdata[8*SA_ENTRY_ICV_LEN_OFFSET +: SA_ENTRY_ICV_LEN_WIDTH];
  assign sa_icv_ok  = (sa_icv_len == 8'd8) | (sa_icv_len == 8'd12) | (sa_icv_len == 8'd16);

  // ---------------------------------------------------------------- completion
  logic [CplBits-1:0] cpl;
  always_comb begin
    cpl = '0;
    cpl[8*COMPLETION_STATUS_OFFSET +: COMPLETION_STATUS_WIDTH]         = status_q;
    cpl[8*COMPLETION_SA_INDEX_OFFSET +: COMPLETION_SA_INDEX_WIDTH]     = cpl_sa_q;
    cpl[8*COMPLETION_OUT_OFFSET_OFFSET +: COMPLETION_OUT_OFFSET_WIDTH] = desc_out_offset;
    cpl[8*COMPLETION_SPI_OFFSET +: COMPLETION_SPI_WIDTH]               = cpl_spi_q;
  end

  // Which half (COMPLETION_SIZE slice) of the beat the completion occupies.
  logic [BeatShift-CplShift-1:0] cpl_slot;
  logic [BeatShift-DescShift-1:0] desc_slot;
  assign cpl_slot  = cpl_addr[BeatShift-1:CplShift];
  assign desc_slot = desc_addr[BeatShift-1:DescShift];

  // ------------------------------------------------------------ AXI constants
  assign m_axi_awlen   = 8'd0;
  assign m_axi_awsize  = 3'(BeatShift);
  assign m_axi_awburst = 2'b01;  // INCR
  assign m_axi_awcache = 4'b0011;
  assign m_axi_awprot  = 3'b000;
  assign m_axi_arlen   = 8'd0;
  assign m_axi_arsize  = 3'(BeatShift);
  assign m_axi_arburst = 2'b01;
  assign m_axi_arcache = 4'b0011;
  assign m_axi_arprot  = 3'b000;
  assign m_axi_wlast   = 1'b1;

  always_comb begin
    m_axi_awaddr  = beat_addr(cpl_addr);
    m_axi_awvalid = (state_q == StCplW) & ~aw_done_q;
    m_axi_wvalid  = (state_q == StCplW) & ~w_done_q;
    m_axi_wdata   = '0;
    m_axi_wstrb   = '0;
    m_axi_wdata[CplBits*cpl_slot +: CplBits]         = cpl;
    m_axi_wstrb[COMPLETION_SIZE*cpl_slot +: COMPLETION_SIZE] = '1;
    m_axi_bready  = state_q == StCplB;
    m_axi_araddr  = (state_q == StSaAr) ? beat_addr(sa_addr) : beat_addr(desc_addr);
    m_axi_arvalid = (state_q == StDescAr) | (state_q == StSaAr);
    m_axi_rready  = (state_q == StDescR) | (state_q == StSaR);
  end

  // ------------------------------------------------------------------- control
  always_comb begin
    state_d     = state_q;
    idx_d       = idx_q;
    n_desc_d    = n_desc_q;
    sa_cap_d    = sa_cap_q;
    sa_table_d  = sa_table_q;
    desc_base_d = desc_base_q;
    cpl_base_d  = cpl_base_q;
    aw_done_d   = aw_done_q;
    w_done_d    = w_done_q;
    desc_d      = desc_q;
    status_d    = status_q;
    cpl_sa_d    = cpl_sa_q;
    cpl_spi_d   = cpl_spi_q;
    ready_o     = 1'b0;
    done_o      = 1'b0;

    unique case (state_q)
      StIdle: begin
        if (start_i) begin
          idx_d       = '0;
          n_desc_d    = n_desc_i;
          sa_cap_d    = sa_capacity_i;
          sa_table_d  = sa_table_i;
          desc_base_d = desc_i;
          cpl_base_d  = completions_i;
          state_d     = StNext;
        end
      end
      StNext: begin
        state_d = (idx_q == n_desc_q) ? StDone : StDescAr;
      end
      StDescAr: begin
        if (m_axi_arready) state_d = StDescR;
      end
      StDescR: begin
        if (m_axi_rvalid) begin
          desc_d  = m_axi_rdata[DescBits*desc_slot +: DescBits];
          state_d = StDecide;
        end
      end
      StDecide: begin
        cpl_sa_d  = NoSaIndex;
        cpl_spi_d = '0;
        state_d   = StCplW;
        if (!op_encrypt && !op_decrypt) begin
          status_d = STATUS_BAD_OPCODE;
        end else if (misaligned || bad_length) begin
          status_d = STATUS_MALFORMED;
        end else if (op_encrypt && desc_sa_index >= sa_cap_q) begin
          status_d = STATUS_BAD_SA;
        end else if (op_encrypt) begin
          state_d = StSaAr;
        end else begin
          status_d = StatusUnimplemented;  // DECRYPT: needs the datapath
        end
      end
      StSaAr: begin
        if (m_axi_arready) state_d = StSaR;
      end
      StSaR: begin
        if (m_axi_rvalid) begin
          cpl_sa_d  = desc_sa_index;
          cpl_spi_d = sa_spi;
          state_d   = StCplW;
          if (!sa_flags[SA_ENTRY_FLAGS_VALID_BIT]) begin
            status_d = STATUS_SA_DISABLED;
          end else if (!sa_flags[SA_ENTRY_FLAGS_OUTBOUND_BIT] || !sa_icv_ok) begin
            status_d = STATUS_BAD_SA;
          end else begin
            status_d = StatusUnimplemented;  // ENCRYPT 2..6: needs the datapath
          end
        end
      end
      StCplW: begin
        if (m_axi_awvalid && m_axi_awready) aw_done_d = 1'b1;
        if (m_axi_wvalid && m_axi_wready) w_done_d = 1'b1;
        if (aw_done_d && w_done_d) begin
          aw_done_d = 1'b0;
          w_done_d  = 1'b0;
          state_d   = StCplB;
        end
      end
      StCplB: begin
        if (m_axi_bvalid) begin
          idx_d   = idx_q + 32'd1;
          state_d = StNext;
        end
      end
      StDone: begin
        ready_o = 1'b1;
        done_o  = 1'b1;
        state_d = StIdle;
      end
      default: state_d = StIdle;
    endcase
  end

  assign idle_o = state_q == StIdle;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q     <= StIdle;
      idx_q       <= '0;
      n_desc_q    <= '0;
      sa_cap_q    <= '0;
      sa_table_q  <= '0;
      desc_base_q <= '0;
      cpl_base_q  <= '0;
      aw_done_q   <= 1'b0;
      w_done_q    <= 1'b0;
    end else begin
      state_q     <= state_d;
      idx_q       <= idx_d;
      n_desc_q    <= n_desc_d;
      sa_cap_q    <= sa_cap_d;
      sa_table_q  <= sa_table_d;
      desc_base_q <= desc_base_d;
      cpl_base_q  <= cpl_base_d;
      aw_done_q   <= aw_done_d;
      w_done_q    <= w_done_d;
    end
  end

  always_ff @(posedge clk_i) begin
    desc_q    <= desc_d;
    status_q  <= status_d;
    cpl_sa_q  <= cpl_sa_d;
    cpl_spi_q <= cpl_spi_d;
  end

  // Not used by the shell yet: bus error responses, rlast (single beats), the
  // rest of the first SA beat and of the descriptor.
  logic unused_axi;
  assign unused_axi = ^{m_axi_bresp, m_axi_rresp, m_axi_rlast};

endmodule : esp_batch_ctrl

`default_nettype wire
