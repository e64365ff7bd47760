// esp_batch_ctrl: the engine sequencer (hw/rtl/DATAPATH.md): the descriptor
// loop and every step of hw/spec/CONTRACT.md for ENCRYPT and DECRYPT, in the
// contract's order, as the HLS kernel does them (packet_stage.hpp,
// esp_encap.hpp, esp_decap.hpp): same statuses, completion fields, counters
// and card-memory writes.
//
// The process stage of the engine's three (hw/rtl/README.md "Stages"): the
// fetch stage (esp_fetch) has read the descriptor and its input packet into
// an input slot ahead of it; this module takes the slots in order, one
// descriptor at a time (the steps: the state names below, CONTRACT.md's
// numbers beside them), then pushes the output slot with the completion to
// the write-back stage (esp_writeback) and releases the input slot.
// Its card memory (SA table, counters, SPI table, replay state) goes through
// esp_mem_access's process client (struct reads / strobed writes at any
// 8-byte-aligned address). The units and buffers live in esp_engine; this
// module starts them (their requests: esp_batch_req; the ENCRYPT output
// plan: esp_enc_plan; the SA's fields: esp_sa_view) and selects who owns
// each buffer port of its slots.
`default_nettype none

module esp_batch_ctrl
  import esp_spec_pkg::*;
  import esp_mem_pkg::*;
  import esp_unit_pkg::*;
#(
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES,
  localparam int unsigned ImgW = 4 * Dw
) (
  input  wire logic          clk_i,
  input  wire logic          rst_ni,

  // ap_ctrl_hs
  input  wire logic          start_i,
  output      logic          ready_o,
  output      logic          done_o,
  output      logic          idle_o,

  // kernel arguments, sampled on start (run_start_o: the other stages
  // sample theirs)
  input  wire logic [63:0]   sa_table_i,
  input  wire logic [63:0]   replay_i,
  input  wire logic [63:0]   counters_i,
  input  wire logic [63:0]   spi_table_i,
  input  wire logic [31:0]   n_desc_i,
  input  wire logic [31:0]   sa_capacity_i,
  input  wire logic [31:0]   spi_buckets_log2_i,
  output      logic          run_start_o,

  // the fetch stage: the oldest fetched descriptor (its packet in the input slot)
  input  wire logic          in_valid_i,
  input  wire logic [8*DESCRIPTOR_SIZE-1:0] in_desc_i,
  output      logic          in_pop_o,
  input  wire logic          fetch_idle_i,

  // the write-back stage: a free output slot, the push of a finished one
  input  wire logic          out_ready_i,
  output      logic          out_push_o,
  output      logic [8*COMPLETION_SIZE-1:0] out_cpl_o,
  output      logic          out_wr_pkt_o,
  output      logic [63:0]   out_offset_o,
  output      logic [31:0]   out_length_o,
  output      logic [31:0]   out_capacity_o,
  input  wire logic          wb_idle_i,

  // esp_mem_access, process client
  output      logic          mem_valid_o,
  output      mem_cmd_e      mem_cmd_o,
  output      logic [63:0]   mem_addr_o,
  output      logic [31:0]   mem_len_o,
  output      logic [Dw-1:0] mem_wimg_o,
  output      logic [PKT_BUS_BYTES-1:0] mem_wmask_o,
  input  wire logic          mem_acc_i,     // the command was taken
  input  wire logic          mem_done_i,    // a read's data is in
  input  wire logic          mem_wdone_i,   // a write's responses are in
  input  wire logic [ImgW-1:0] mem_rimg_i,

  // esp_mem_access, counters client: an SA's counters read beside its entry
  output      logic          cmem_valid_o,
  output      logic [63:0]   cmem_addr_o,
  output      logic [31:0]   cmem_len_o,
  input  wire logic          cmem_done_i,
  input  wire logic [2*Dw-1:0] cmem_rimg_i,

  // buffer port owners
  output      logic [1:0]    ibuf_rsel_o,   // 0 esp_ip_parse, 1 esp_aead, 2 esp_hdr_build
  output      logic          ibuf_wsel_o,   // 1 esp_trailer (else no write)
  output      logic [1:0]    obuf_rsel_o,   // 1 esp_trailer, 2 esp_ip_parse (else no read)
  output      logic          obuf_wsel_o,   // 0 esp_aead, 1 esp_hdr_build
  output      logic          parse_obuf_o,  // esp_ip_parse reads obuf (else ibuf)

  // esp_ip_parse
  output      logic          parse_start_o,
  output      parse_req_t    parse_req_o,
  input  wire logic          parse_done_i,
  input  wire parse_rsp_t    parse_rsp_i,

  // esp_trailer
  output      logic          tr_start_o,
  output      tr_req_t       tr_req_o,
  input  wire logic          tr_done_i,
  input  wire tr_rsp_t       tr_rsp_i,

  // esp_aead
  output      logic          aead_req_valid_o,
  input  wire logic          aead_req_ready_i,
  output      aead_req_t     aead_req_o,
  input  wire logic          aead_rsp_valid_i,
  output      logic          aead_rsp_ready_o,
  input  wire aead_rsp_t     aead_rsp_i,

  // esp_hdr_build
  output      logic          hb_start_o,
  output      hb_req_t       hb_req_o,
  input  wire logic          hb_done_i
);

  // ----------------------------------------------------------- constants
  localparam int unsigned SaBytes  = sa_read_bytes();   // fields (HLS kSaReadBytes)
  localparam int unsigned SaBits   = 8 * SaBytes;
  localparam int unsigned CtrBytes = SA_COUNTERS_SIZE;
  localparam int unsigned CtrBits  = SA_COUNTERS_BITS;

  localparam logic [7:0] NhNoNext   = 8'(NH_NO_NEXT);
  localparam pkt_len_t   EspTextOff = PKT_LEN_BITS'(ESP_HDR_BYTES + IV_BYTES);

  typedef enum logic [5:0] {
    StIdle, StNext, StMem, StMemW, StFence, StCtrWait, StCpl, StDrain, StDone,
    StEncSa, StEncParse, StDecTrlGo, StEncCtr, StEncTrl, StEncAead, StEncAeadRsp, StEncHdr,
    StDecLoc, StDecSaIdx, StDecB0, StDecB1, StDecSa, StDecCtr, StDecTop, StDecWin, StDecBit,
    StDecAead, StDecAeadRsp, StComClr2, StComTop, StComBitSet, StComWordRd, StComWordWr,
    StDecTrl, StDecInner, StDecHdr, StDecDeliver
  } state_e;

  localparam logic [63:0] CtrOkMask = (64'hFF << SA_COUNTERS_PACKETS_OFFSET) |
                                      (64'hFF << SA_COUNTERS_BYTES_OFFSET) |
                                      (64'hFF << SA_COUNTERS_SOFT_EVENTS_OFFSET);

  // What a finished struct read is loaded into.
  typedef enum logic [2:0] {LdNone, LdSa, LdTop, LdWord} load_e;

  // ------------------------------------------------------------------- state
  state_e      state_q, state_d, ret_q, ret_d;
  logic [3:0]  wr_out_q;     // posted writes whose responses are not in
  load_e       ld_q, ld_d;
  logic [31:0] idx_q, idx_d;
  logic [63:0] a_sa_q, a_replay_q, a_ctr_q, a_spi_q;
  logic [31:0] n_desc_q, sa_cap_q, log2_q;

  logic [8*DESCRIPTOR_SIZE-1:0] desc_q, desc_d;
  sa_entry_t          sa_q, sa_d;     // the fields (SaBytes) read; the reserved tail 0
  sa_counters_t       ctr_q, ctr_d;
  logic [63:0]        top_q, top_d, seq_q, seq_d;
  logic [31:0]        sa_idx_q, sa_idx_d;

  // On-chip state, kept across the descriptors of a run (cleared when one
  // starts; during a run the card is the only writer of the SA table's
  // tx_seq, the counters and the replay state, and every write below also
  // goes into these registers): sa_q holds SA sa_idx_q (sa_ok), ctr_q its
  // counters (ctr_ok), top_q its replay top (top_ok); the last successful
  // SPI lookup (the SPI table does not change during a run).
  logic        sa_ok_q, sa_ok_d, ctr_ok_q, ctr_ok_d, top_ok_q, top_ok_d, lk_ok_q, lk_ok_d;
  logic [31:0] lk_spi_q, lk_spi_d, lk_idx_q, lk_idx_d;
  logic        tix_ok_q, tix_ok_d;          // tix_q: the ring index of top_q
  logic [15:0] tix_q, tix_d;
  logic        tw_ok_q, tw_ok_d;            // tw_q: the ring word at tix_q
  logic [63:0] tw_q, tw_d;
  logic [63:0] word_q, word_d;              // the ring word being committed
  // The counters read that goes with an SA read (cmem): wanted (waits for
  // the fence), pending until its data is in ctr_q.
  logic        c_want_q, c_want_d, c_pend_q, c_pend_d, c_go_q, c_go_d;
  logic [63:0] c_addr_q, c_addr_d;

  // completion
  logic [15:0] status_q, status_d;
  logic        soft_q, soft_d;
  logic [31:0] c_sa_q, c_sa_d, c_spi_q, c_spi_d, c_len_q, c_len_d;
  logic [63:0] c_seq_q, c_seq_d;

  // the packet (parse results and plan)
  pkt_ctx_t    pk_q, pk_d;
  logic [31:0] add_bytes_q, add_bytes_d;
  logic        wr_pkt_q, wr_pkt_d;    // the output packet is written (status OK)

  // memory command and unit starts (registered pulses)
  logic        m_go_q, m_go_d;
  mem_cmd_e    m_cmd_q, m_cmd_d;
  logic [63:0] m_addr_q, m_addr_d;
  logic [31:0] m_len_q, m_len_d;
  logic [Dw-1:0] m_wimg_q, m_wimg_d;
  logic [PKT_BUS_BYTES-1:0] m_wmask_q, m_wmask_d;
  logic        parse_go_q, parse_go_d, tr_go_q, tr_go_d, hb_go_q, hb_go_d, win_go_q, win_go_d;
  parse_mode_e parse_mode_q, parse_mode_d;
  pkt_len_t    parse_avail_q, parse_avail_d;

  // ------------------------------------------------------------ field views
  // The descriptor: in StNext the fetch stage's head (decided in the cycle
  // it is taken), afterwards the one taken (desc_q).
  logic [8*DESCRIPTOR_SIZE-1:0] desc;
  assign desc = (state_q == StNext) ? in_desc_i : desc_q;

  descriptor_t d;
  assign d = descriptor_t'(desc);
  // ENCRYPT of a TFC dummy packet (CONTRACT.md ENCRYPT "Dummy packets")
  logic d_dummy;
  assign d_dummy = d.flags[DESCRIPTOR_FLAGS_DUMMY_BIT];

  sa_view_t sa;   // SA sa_idx_q (in sa_q)
  esp_sa_view u_sa_view (
    .sa_i (sa_q),
    .sa_o (sa)
  );

  // A 64-bit card-memory word as a write image (byte 0 first).
  function automatic logic [Dw-1:0] word_img(logic [63:0] v);
    return Dw'(v);
  endfunction


  // ----------------------------------------------------------------- helpers
  logic         params_ok, hard, seq_full, soft_now;
  sa_counters_t ok_ctr;   // after an OK packet (packets, bytes, soft_events)
  esp_sa_checks u_sa_checks (
    .inbound_i   (op_dec),
    .sa_i        (sa),
    .ctr_i       (ctr_q),
    .add_bytes_i (add_bytes_q),
    .params_ok_o (params_ok),
    .hard_o      (hard),
    .seq_full_o  (seq_full),
    .ok_ctr_o    (ok_ctr),
    .soft_o      (soft_now)
  );

  logic        log2_ok, spi_hit;
  logic [31:0] bucket0, bucket1, sa_ref, sa_ref_m1;
  assign sa_ref_m1 = sa_ref - 32'd1;
  esp_spi_lookup u_spi_lookup (
    .spi_i     (parse_rsp_i.spi),
    .log2_i    (log2_q),
    .log2_ok_o (log2_ok),
    .bucket0_o (bucket0),
    .bucket1_o (bucket1),
    .bucket_i  (spi_bucket_t'(mem_rimg_i[SPI_BUCKET_BITS-1:0])),
    .hit_o     (spi_hit),
    .sa_ref_o  (sa_ref)
  );

  logic [63:0] inferred_seq;
  logic        inferred_ok;
  esp_esn u_esn (
    .esn_i         (sa.esn),
    .top_i         (top_q),
    .window_bits_i (sa.window_bits),
    .seq_lo_i      (c_seq_q[31:0]),
    .seq_o         (inferred_seq),
    .ok_o          (inferred_ok)
  );

  logic        win_busy, win_done, win_fresh, win_old, win_pass, win_jump_nz;
  logic [15:0] win_words, win_seq_idx, win_top_idx, win_clr_idx, win_clr_n0, win_clr_n1;
  logic [5:0]  win_bit;
  esp_replay_window u_replay_window (
    .clk_i,
    .rst_ni,
    .start_i       (win_go_q),
    .window_bits_i (sa.window_bits),
    .top_i         (top_q),
    .seq_i         (seq_q),
    .hint_i        (tix_ok_q),
    .top_idx_i     (tix_q),
    .busy_o        (win_busy),
    .done_o        (win_done),
    .words_o       (win_words),
    .seq_idx_o     (win_seq_idx),
    .top_idx_o     (win_top_idx),
    .bit_o         (win_bit),
    .fresh_o       (win_fresh),
    .old_o         (win_old),
    .word_i        (mem_rimg_i[63:0]),
    .check_pass_o  (win_pass),
    .jump_nz_o     (win_jump_nz),
    .clr_idx_o     (win_clr_idx),
    .clr_n0_o      (win_clr_n0),
    .clr_n1_o      (win_clr_n1)
  );

  // ---------------------------------------------------------------- addresses
  logic [63:0] a_sa, a_ctrs, a_state, a_ring, a_seq_word;
  assign a_sa       = a_sa_q + (64'(sa_idx_q) << $clog2(SA_ENTRY_SIZE));
  assign a_ctrs     = a_ctr_q + (64'(sa_idx_q) << $clog2(SA_COUNTERS_SIZE));
  assign a_state    = a_replay_q + sa.replay_offset;
  assign a_ring     = a_state + 64'(REPLAY_STATE_SIZE);
  assign a_seq_word = a_ring + (64'(win_seq_idx) << $clog2(CTL_WORD_BYTES));

  // ----------------------------------------------------- descriptor checks
  logic op_enc, op_dec, desc_malformed, desc_sa_range, desc_read_pkt;
  esp_desc_check u_desc_check (
    .desc_i        (desc),
    .sa_capacity_i (sa_cap_q),
    .op_enc_o      (op_enc),
    .op_dec_o      (op_dec),
    .malformed_o   (desc_malformed),
    .sa_range_o    (desc_sa_range),
    .read_pkt_o    (desc_read_pkt)
  );

  // ------------------------------------------------------ ENCRYPT plan (HLS plan_encap)
  pkt_ctx_t plan;
  esp_enc_plan u_enc_plan (
    .tunnel_i    (sa.tunnel),
    .outer_v6_i  (sa.outer_v6),
    .udp_encap_i (sa.udp_encap),
    .icv_len_i   (sa.icv_len),
    .dummy_i     (d_dummy),
    .in_length_i (PKT_LEN_BITS'(d.in_length)),
    .parse_i     (parse_rsp_i),
    .plan_o      (plan)
  );

  logic [31:0] room;
  assign room = (d.out_capacity < 32'(MAX_PKT_BYTES)) ? d.out_capacity : 32'(MAX_PKT_BYTES);

  // DECRYPT 7: ESP lengths.
  pkt_len_t    ct_len;
  logic        esp_len_bad;
  assign ct_len      = pk_q.esp_len - EspTextOff - PKT_LEN_BITS'(sa.icv_len);
  assign esp_len_bad = (pk_q.esp_len < EspTextOff + PKT_LEN_BITS'(2) + PKT_LEN_BITS'(sa.icv_len)) | (ct_len[1:0] != 2'b00);

  // ---------------------------------------------------------------- outputs
  completion_t cpl;
  always_comb begin
    cpl = '0;
    cpl.status     = status_q;
    cpl.flags[COMPLETION_FLAGS_SOFT_EXPIRED_BIT] = soft_q;
    cpl.sa_index   = c_sa_q;
    cpl.out_offset = d.out_offset;
    cpl.out_length = c_len_q;
    cpl.spi        = c_spi_q;
    cpl.seq        = c_seq_q;
  end

  assign mem_valid_o   = m_go_q;
  assign mem_cmd_o     = m_cmd_q;
  assign mem_addr_o    = m_addr_q;
  assign mem_len_o     = m_len_q;
  assign mem_wimg_o    = m_wimg_q;
  assign mem_wmask_o   = m_wmask_q;

  // the units: their requests (esp_batch_req), starts and handshakes
  esp_batch_req u_req (
    .op_enc_i      (op_enc),
    .dec_trl_i     (state_q == StDecTrl),
    .sa_i          (sa),
    .pk_i          (pk_q),
    .sa_index_i    (sa_idx_q),
    .seq_i         (seq_q),
    .parse_mode_i  (parse_mode_q),
    .parse_avail_i (parse_avail_q),
    .parse_req_o,
    .tr_req_o,
    .aead_req_o,
    .hb_req_o
  );
  assign parse_start_o    = parse_go_q;
  assign parse_obuf_o     = state_q == StDecInner;
  assign tr_start_o       = tr_go_q;
  assign aead_req_valid_o = (state_q == StEncAead) | (state_q == StDecAead);
  assign aead_rsp_ready_o = (state_q == StEncAeadRsp) | (state_q == StDecAeadRsp);
  assign hb_start_o       = hb_go_q;

  always_comb begin
    ibuf_rsel_o = 2'd0;
    if (state_q == StEncAead || state_q == StEncAeadRsp || state_q == StDecAead || state_q == StDecAeadRsp) begin
      ibuf_rsel_o = 2'd1;
    end
    if (state_q == StEncHdr || state_q == StDecHdr) ibuf_rsel_o = 2'd2;
    ibuf_wsel_o = state_q == StEncTrl;
    obuf_rsel_o = 2'd0;
    if (state_q == StDecTrl) obuf_rsel_o = 2'd1;
    if (state_q == StDecInner) obuf_rsel_o = 2'd2;
    obuf_wsel_o = state_q == StEncHdr || state_q == StDecHdr;
  end

  // --------------------------------------------------------------- sequencer
  // Command helpers: a memory command goes out as a registered pulse and
  // continues at `ret`. Writes are posted: StMemW waits only until the
  // command is taken (wr_out_q counts those whose responses are not in).
  // A read waits in StFence until every write of this stage has its
  // response (so it sees them; AXI does not order a read after a write),
  // then StMem waits for its data.
  task automatic mem_rd(input logic [63:0] a, input logic [31:0] n, input load_e ld, input state_e ret);
    m_cmd_d = CmdRdStruct; m_addr_d = a; m_len_d = n; ld_d = ld; ret_d = ret;
    if (wr_out_q == '0) begin
      m_go_d = 1'b1; state_d = StMem;
    end else state_d = StFence;
  endtask
  task automatic mem_wr(input logic [63:0] a, input logic [Dw-1:0] img, input logic [PKT_BUS_BYTES-1:0] mask,
                        input state_e ret);
    m_go_d = 1'b1; m_cmd_d = CmdWrStruct; m_addr_d = a; m_wimg_d = img; m_wmask_d = mask; ld_d = LdNone;
    ret_d = ret; state_d = StMemW;
  endtask
  task automatic mem_fill(input logic [63:0] a, input logic [31:0] n, input state_e ret);
    m_go_d = 1'b1; m_cmd_d = CmdFill; m_addr_d = a; m_len_d = n; ld_d = LdNone; ret_d = ret; state_d = StMemW;
  endtask
  // SA i into sa_q (unless it is there), then `ret`; its counters are read
  // at the same time (into ctr_q when they arrive).
  task automatic sa_fetch(input logic [31:0] i, input state_e ret);
    sa_idx_d = i;
    if (sa_ok_q && sa_idx_q == i) state_d = ret;
    else begin
      mem_rd(a_sa_q + (64'(i) << $clog2(SA_ENTRY_SIZE)), SaBytes, LdSa, ret);
      ctr_ok_d = 1'b0; c_want_d = 1'b1; c_pend_d = 1'b1;
      c_addr_d = a_ctr_q + (64'(i) << $clog2(SA_COUNTERS_SIZE));
    end
  endtask
  // The SA's counters in ctr_q, then `ret`: they come with the SA (sa_fetch
  // started their read with the entry's, or they are on chip with it).
  task automatic ctr_fetch(input state_e ret);
    ret_d = ret;
    state_d = ctr_ok_q ? ret : StCtrWait;
  endtask
  // Ends the descriptor with status s (its completion is written next).
  task automatic finish(input logic [15:0] s);
    status_d = s; state_d = StCpl;
  endtask
  // ENCRYPT 2 done: the parse results (a tunnel-mode dummy packet: none) and
  // the plan of the output.
  task automatic enc_plan();
    pk_d = plan; add_bytes_d = 32'(plan.pkt_len);
  endtask
  // ENCRYPT 6 of a dummy packet: dummy++ only, then its completion (OK).
  task automatic dummy_counter();
    soft_d = 1'b0; c_len_d = 32'(pk_q.out_len); status_d = STATUS_OK;
    ctr_d.dummy = ctr_q.dummy + 64'd1;
    mem_wr(a_ctrs + 64'(SA_COUNTERS_DUMMY_OFFSET), word_img(ctr_q.dummy + 64'd1),
           PKT_BUS_BYTES'(8'hFF), StCpl);
  endtask
  // ENCRYPT 6 / DECRYPT 16: the counters of an OK packet (add_bytes_q set
  // at least a cycle before), then its completion.
  task automatic ok_counters();
    soft_d = soft_now; c_len_d = 32'(pk_q.out_len); status_d = STATUS_OK;
    ctr_d = ok_ctr;
    mem_wr(a_ctrs, Dw'(ok_ctr), CtrOkMask, StCpl);   // those three words
  endtask
  // DECRYPT 8: the sequence number (ESN inference from the replay top, in
  // top_q), then the window check.
  task automatic dec_top();
    seq_d = inferred_seq; c_seq_d = inferred_seq;
    win_go_d = 1'b1; state_d = StDecWin;
  endtask
  // DECRYPT 6, 7 on the SA's counters (in ctr_q), then its replay top.
  task automatic dec_ctr();
    if (hard) bump(SA_COUNTERS_HARD_EVENTS_OFFSET, STATUS_LIFETIME_EXPIRED);
    else if (esp_len_bad) bump(SA_COUNTERS_BAD_PACKET_OFFSET, STATUS_MALFORMED);
    else begin
      pk_d.pt_len = ct_len;
      if (top_ok_q) dec_top();
      else mem_rd(a_state, REPLAY_STATE_TOP_BYTES, LdTop, StDecTop);
    end
  endtask
  // Adds one to counter word `off` of the SA, then ends with status s.
  task automatic bump(input int unsigned off, input logic [15:0] s);
    status_d = s;
    ctr_d[8*off +: 64] = ctr_q[8*off +: 64] + 64'd1;   // the counter at byte `off` of the image
    mem_wr(a_ctrs + 64'(off), word_img(ctr_q[8*off +: 64] + 64'd1), PKT_BUS_BYTES'(8'hFF), StCpl);
  endtask

  always_comb begin
    state_d = state_q; ret_d = ret_q; ld_d = ld_q; idx_d = idx_q;
    desc_d = desc_q; sa_d = sa_q; ctr_d = ctr_q; top_d = top_q; seq_d = seq_q; sa_idx_d = sa_idx_q;
    sa_ok_d = sa_ok_q; ctr_ok_d = ctr_ok_q; top_ok_d = top_ok_q;
    lk_ok_d = lk_ok_q; lk_spi_d = lk_spi_q; lk_idx_d = lk_idx_q; tix_ok_d = tix_ok_q; tix_d = tix_q;
    tw_ok_d = tw_ok_q; tw_d = tw_q; word_d = word_q;
    c_want_d = c_want_q; c_pend_d = c_pend_q; c_go_d = 1'b0; c_addr_d = c_addr_q;
    status_d = status_q; soft_d = soft_q; c_sa_d = c_sa_q; c_spi_d = c_spi_q; c_len_d = c_len_q; c_seq_d = c_seq_q;
    pk_d = pk_q; add_bytes_d = add_bytes_q;
    wr_pkt_d = wr_pkt_q;
    m_go_d = 1'b0; m_cmd_d = m_cmd_q; m_addr_d = m_addr_q; m_len_d = m_len_q;
    m_wimg_d = m_wimg_q; m_wmask_d = m_wmask_q;
    parse_go_d = 1'b0; parse_mode_d = parse_mode_q; parse_avail_d = parse_avail_q;
    tr_go_d = 1'b0; hb_go_d = 1'b0; win_go_d = 1'b0;
    ready_o = 1'b0; done_o = 1'b0; in_pop_o = 1'b0; out_push_o = 1'b0;

    unique case (state_q)
      StIdle: if (start_i) begin
        idx_d = '0;
        state_d = StNext;
      end
      StNext: begin  // the descriptor's own checks, in the cycle it is taken
        if (idx_q == n_desc_q) state_d = StDrain;
        else if (in_valid_i && out_ready_i) begin
          desc_d = in_desc_i;
          status_d = STATUS_OK; soft_d = 1'b0; c_sa_d = NO_SA_INDEX; c_spi_d = '0; c_len_d = '0; c_seq_d = '0;
          wr_pkt_d = 1'b0;
          if (!op_enc && !op_dec) finish(STATUS_BAD_OPCODE);
          else if (desc_malformed) finish(STATUS_MALFORMED);
          else if (op_enc && !desc_sa_range) finish(STATUS_BAD_SA);
          else if (op_enc) sa_fetch(d.sa_index, StEncSa);
          else begin
            // the packet is in the input slot (esp_fetch)
            parse_mode_d = PARSE_LOCATE_ESP; parse_avail_d = PKT_LEN_BITS'(d.in_length); parse_go_d = 1'b1; state_d = StDecLoc;
          end
        end
      end
      StFence: if (wr_out_q == '0) begin
        m_go_d = 1'b1; state_d = StMem;
      end
      StMemW: if (mem_acc_i) state_d = ret_q;
      StCtrWait: if (ctr_ok_q) state_d = ret_q;
      StMem: if (mem_done_i) begin
        unique case (ld_q)
          LdSa: begin
            sa_d = sa_entry_t'(SA_ENTRY_BITS'(mem_rimg_i[SaBits-1:0]));
            sa_ok_d = 1'b1; top_ok_d = 1'b0; tix_ok_d = 1'b0; tw_ok_d = 1'b0;
          end
          LdTop: begin
            top_d = mem_rimg_i[63:0];
            top_ok_d = 1'b1; tix_ok_d = 1'b0; tw_ok_d = 1'b0;
          end
          LdWord: begin
            word_d = mem_rimg_i[63:0];
          end
          default: ;
        endcase
        state_d = ret_q;
      end
      // ------------------------------------------------------------ ENCRYPT
      StEncSa: begin
        c_sa_d = sa_idx_q; c_spi_d = sa.spi;
        if (!sa.valid) finish(STATUS_SA_DISABLED);
        else if (!sa.outbound || !params_ok) finish(STATUS_BAD_SA);
        else if (sa.tunnel && d_dummy) begin  // ENCRYPT 2 skipped
          enc_plan();
          ctr_fetch(StEncCtr);
        end else begin
          parse_mode_d = sa.tunnel ? PARSE_IP : PARSE_OUT; parse_avail_d = PKT_LEN_BITS'(d.in_length);
          parse_go_d = 1'b1; state_d = StEncParse;
        end
      end
      StEncParse: begin
        if (parse_done_i) begin
          if (parse_rsp_i.status != STATUS_OK) finish(STATUS_MALFORMED);
          else begin
            enc_plan();
            ctr_fetch(StEncCtr);
          end
        end
      end
      StEncCtr: begin  // ENCRYPT 3, then 4 (NO_SPACE) and 5
        if (hard || seq_full) bump(SA_COUNTERS_HARD_EVENTS_OFFSET, STATUS_LIFETIME_EXPIRED);
        else if (32'(pk_q.out_len) > room) finish(STATUS_NO_SPACE);
        else begin
          seq_d = sa.tx_seq + 64'd1;
          c_seq_d = sa.tx_seq + 64'd1;
          sa_d.tx_seq = sa.tx_seq + 64'd1;
          tr_go_d = 1'b1; state_d = StEncTrl;
        end
      end
      // the trailer built, tx_seq is written (posted) on the way to esp_aead
      StEncTrl: if (tr_done_i) begin
        mem_wr(a_sa + 64'(SA_ENTRY_TX_SEQ_OFFSET), word_img(seq_q), PKT_BUS_BYTES'(8'hFF), StEncAead);
      end
      StEncAead:    if (aead_req_ready_i) state_d = StEncAeadRsp;
      StEncAeadRsp: if (aead_rsp_valid_i) begin
        pk_d.sum = aead_rsp_i.sum; hb_go_d = 1'b1; state_d = StEncHdr;
      end
      StEncHdr, StDecHdr: if (hb_done_i) begin
        if (state_q == StEncHdr) begin
          wr_pkt_d = 1'b1;
          if (d_dummy) dummy_counter();
          else ok_counters();
        end else state_d = StDecDeliver;
      end

      // ------------------------------------------------------------ DECRYPT
      StDecLoc: begin
        if (parse_done_i) begin
          if (parse_rsp_i.status != STATUS_OK) finish(parse_rsp_i.status);
          else begin
            pk_d.version = parse_rsp_i.version; pk_d.pkt_len = parse_rsp_i.pkt_len; pk_d.ihl = parse_rsp_i.ihl;
            pk_d.hdr_len = parse_rsp_i.hdr_len; pk_d.nh_off = parse_rsp_i.nh_off;
            pk_d.esp_off = parse_rsp_i.esp_off; pk_d.esp_len = parse_rsp_i.esp_len;
            c_spi_d = parse_rsp_i.spi; c_seq_d = 64'(parse_rsp_i.seq_lo);
            if (d.flags[DESCRIPTOR_FLAGS_USE_SA_INDEX_BIT]) begin
              if (d.sa_index >= sa_cap_q) finish(STATUS_BAD_SA);
              else sa_fetch(d.sa_index, StDecSaIdx);
            end else if (!log2_ok) finish(STATUS_UNKNOWN_SPI);
            else if (lk_ok_q && parse_rsp_i.spi == lk_spi_q) sa_fetch(lk_idx_q, StDecSa);
            else mem_rd(a_spi_q + (64'(bucket0) << $clog2(SPI_BUCKET_SIZE)), SPI_BUCKET_SIZE, LdNone, StDecB0);
          end
        end
      end
      StDecSaIdx: begin
        if (sa.spi != c_spi_q) finish(STATUS_UNKNOWN_SPI);
        else state_d = StDecSa;
      end
      StDecB0, StDecB1: begin
        if (spi_hit) begin
          if (sa_ref_m1 >= sa_cap_q) finish(STATUS_BAD_SA);
          else begin
            lk_ok_d = 1'b1; lk_spi_d = c_spi_q; lk_idx_d = sa_ref_m1;
            sa_fetch(sa_ref_m1, StDecSa);
          end
        end else if (state_q == StDecB0) begin
          mem_rd(a_spi_q + (64'(bucket1) << $clog2(SPI_BUCKET_SIZE)), SPI_BUCKET_SIZE, LdNone, StDecB1);
        end else finish(STATUS_UNKNOWN_SPI);
      end
      StDecSa: begin
        c_sa_d = sa_idx_q;
        if (!sa.valid) finish(STATUS_SA_DISABLED);
        else if (sa.outbound || !params_ok) finish(STATUS_BAD_SA);
        else if (ctr_ok_q) dec_ctr();
        else ctr_fetch(StDecCtr);
      end
      StDecCtr: dec_ctr();
      StDecTop: dec_top();
      StDecWin: if (win_done) begin  // DECRYPT 9
        tix_ok_d = 1'b1; tix_d = win_top_idx;
        if (!inferred_ok) bump(SA_COUNTERS_REPLAY_OFFSET, STATUS_REPLAY);
        else if (win_fresh) state_d = StDecAead;
        else if (win_old) bump(SA_COUNTERS_REPLAY_OFFSET, STATUS_REPLAY);
        else if (tw_ok_q && win_seq_idx == win_top_idx) begin  // top's word: on chip
          if (!tw_q[win_bit]) state_d = StDecAead;
          else bump(SA_COUNTERS_REPLAY_OFFSET, STATUS_REPLAY);
        end else mem_rd(a_seq_word, CTL_WORD_BYTES, LdNone, StDecBit);
      end
      StDecBit: begin
        if (win_pass) state_d = StDecAead;
        else bump(SA_COUNTERS_REPLAY_OFFSET, STATUS_REPLAY);
      end
      StDecAead:    if (aead_req_ready_i) state_d = StDecAeadRsp;
      StDecAeadRsp: if (aead_rsp_valid_i) begin  // DECRYPT 10, then 11
        if (!aead_rsp_i.auth_ok) bump(SA_COUNTERS_AUTH_FAIL_OFFSET, STATUS_AUTH_FAIL);
        else if (!win_fresh) state_d = StComWordRd;
        else if (win_clr_n0 != '0) mem_fill(a_ring + (64'(win_clr_idx) << 3), 32'(win_clr_n0) << 3, StComClr2);
        else state_d = StComTop;
      end
      StComClr2: begin
        if (win_clr_n1 != '0) mem_fill(a_ring, 32'(win_clr_n1) << 3, StComTop);
        else state_d = StComTop;
      end
      StComTop: begin
        top_d = seq_q; tix_d = win_seq_idx;
        mem_wr(a_state, word_img(seq_q), PKT_BUS_BYTES'(8'hFF), win_jump_nz ? StComBitSet : StComWordRd);
      end
      // the word of seq: top's new word (cleared) / or-ed into its word (read,
      // unless it is top's word, on chip)
      StComBitSet: begin
        tw_ok_d = 1'b1; tw_d = 64'd1 << win_bit;
        mem_wr(a_seq_word, word_img(64'd1 << win_bit), PKT_BUS_BYTES'(8'hFF), StDecTrlGo);
      end
      StComWordRd: begin
        if (tw_ok_q && win_seq_idx == tix_q) begin
          word_d = tw_q; state_d = StComWordWr;
        end else mem_rd(a_seq_word, CTL_WORD_BYTES, LdWord, StComWordWr);
      end
      StComWordWr: begin
        if (win_seq_idx == tix_q) begin
          tw_ok_d = 1'b1; tw_d = word_q | (64'd1 << win_bit);
        end
        mem_wr(a_seq_word, word_img(word_q | (64'd1 << win_bit)), PKT_BUS_BYTES'(8'hFF), StDecTrlGo);
      end
      StDecTrlGo: begin
        tr_go_d = 1'b1; state_d = StDecTrl;
      end
      StDecTrl: begin  // DECRYPT 12, 13 (a dummy packet: nothing delivered), then 14
        if (tr_done_i) begin
          pk_d.nh = tr_rsp_i.nh;
          if (tr_rsp_i.status != STATUS_OK) bump(SA_COUNTERS_BAD_PACKET_OFFSET, STATUS_BAD_PADDING);
          else if (tr_rsp_i.nh == NhNoNext) bump(SA_COUNTERS_DUMMY_OFFSET, STATUS_DUMMY);
          else if (sa.tunnel) begin
            if (tr_rsp_i.nh != IP_PROTO_IPV4 && tr_rsp_i.nh != IP_PROTO_IPV6) bump(SA_COUNTERS_BAD_PACKET_OFFSET, STATUS_MALFORMED);
            else begin
              parse_mode_d = PARSE_IP; parse_avail_d = tr_rsp_i.pay_len; parse_go_d = 1'b1; state_d = StDecInner;
            end
          end else begin
            pk_d.out_len = pk_q.hdr_len + tr_rsp_i.pay_len; add_bytes_d = 32'(pk_d.out_len);
            hb_go_d = 1'b1; state_d = StDecHdr;
          end
        end
      end
      StDecInner: if (parse_done_i) begin
        if (parse_rsp_i.status != STATUS_OK) bump(SA_COUNTERS_BAD_PACKET_OFFSET, STATUS_MALFORMED);
        else begin
          pk_d.out_len = parse_rsp_i.pkt_len; add_bytes_d = 32'(pk_d.out_len); state_d = StDecDeliver;
        end
      end
      StDecDeliver: begin  // DECRYPT 15 (add_bytes_q = pk_q.out_len, set with it)
        if (32'(pk_q.out_len) > d.out_capacity) finish(STATUS_NO_SPACE);
        else begin
          wr_pkt_d = 1'b1; ok_counters();
        end
      end

      // --------------------------------------------------------- completion
      // The output slot goes to the write-back stage with the completion;
      // the input slot back to the fetch stage.
      // (not before a counters read of this descriptor has landed: an early
      // failure may leave one in flight)
      StCpl: if (!c_pend_q) begin
        out_push_o = 1'b1;
        in_pop_o = 1'b1;
        idx_d = idx_q + 32'd1;
        state_d = StNext;
      end
      StDrain: if (fetch_idle_i && wb_idle_i && wr_out_q == '0) state_d = StDone;
      StDone: begin
        ready_o = 1'b1;
        done_o  = 1'b1;
        state_d = StIdle;
      end
      default: state_d = StIdle;
    endcase

    // the counters read: out once this stage's writes have their responses
    if (c_want_q && wr_out_q == '0) begin
      c_go_d = 1'b1; c_want_d = 1'b0;
    end
    if (cmem_done_i) begin
      ctr_d = sa_counters_t'(cmem_rimg_i[CtrBits-1:0]); ctr_ok_d = 1'b1; c_pend_d = 1'b0;
    end
  end

  assign cmem_valid_o = c_go_q;
  assign cmem_addr_o  = c_addr_q;
  assign cmem_len_o   = CtrBytes;

  assign idle_o = state_q == StIdle;
  assign run_start_o = state_q == StIdle && start_i;

  assign out_cpl_o      = cpl;
  assign out_wr_pkt_o   = wr_pkt_q;
  assign out_offset_o   = d.out_offset;
  assign out_length_o   = 32'(pk_q.out_len);
  assign out_capacity_o = d.out_capacity;

  logic unused_seq;
  assign unused_seq = ^{mem_rimg_i[ImgW-1:SaBits], cmem_rimg_i[2*Dw-1:CtrBits], win_busy, win_words, desc_read_pkt, d.in_length[31:PKT_LEN_BITS], d.in_offset, d.rsvd0, d.op,
                       parse_rsp_i.udp, tr_rsp_i.pad_len, tr_rsp_i.pt_len};

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= StIdle;
      ret_q   <= StIdle;
      ld_q    <= LdNone;
      idx_q   <= '0;
      m_go_q  <= 1'b0;
      parse_go_q <= 1'b0;
      tr_go_q <= 1'b0;
      hb_go_q <= 1'b0;
      win_go_q <= 1'b0;
      n_desc_q <= '0;
      wr_out_q <= '0;
      c_want_q <= 1'b0;
      c_pend_q <= 1'b0;
      c_go_q   <= 1'b0;
    end else begin
      c_want_q <= c_want_d;
      c_pend_q <= c_pend_d;
      c_go_q   <= c_go_d;
      wr_out_q <= wr_out_q + 4'(state_q == StMemW && mem_acc_i) - 4'(mem_wdone_i);
      state_q <= state_d;
      ret_q   <= ret_d;
      ld_q    <= ld_d;
      idx_q   <= idx_d;
      m_go_q  <= m_go_d;
      parse_go_q <= parse_go_d;
      tr_go_q <= tr_go_d;
      hb_go_q <= hb_go_d;
      win_go_q <= win_go_d;
      if (state_q == StIdle && start_i) n_desc_q <= n_desc_i;
    end
  end

  // the on-chip state is valid for one run
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) {sa_ok_q, ctr_ok_q, top_ok_q, tix_ok_q, tw_ok_q, lk_ok_q} <= '0;
    else {sa_ok_q, ctr_ok_q, top_ok_q, tix_ok_q, tw_ok_q, lk_ok_q} <=
           run_start_o ? '0 : {sa_ok_d, ctr_ok_d, top_ok_d, tix_ok_d, tw_ok_d, lk_ok_d};
  end

  always_ff @(posedge clk_i) begin
    if (state_q == StIdle && start_i) begin
      a_sa_q <= sa_table_i; a_replay_q <= replay_i; a_ctr_q <= counters_i; a_spi_q <= spi_table_i;
      sa_cap_q <= sa_capacity_i; log2_q <= spi_buckets_log2_i;
    end
  end

  always_ff @(posedge clk_i) begin
    desc_q <= desc_d; sa_q <= sa_d; ctr_q <= ctr_d; top_q <= top_d; seq_q <= seq_d; sa_idx_q <= sa_idx_d;
    c_addr_q <= c_addr_d;
    lk_spi_q <= lk_spi_d; lk_idx_q <= lk_idx_d; tix_q <= tix_d; tw_q <= tw_d; word_q <= word_d;
    status_q <= status_d; soft_q <= soft_d; c_sa_q <= c_sa_d; c_spi_q <= c_spi_d; c_len_q <= c_len_d;
    c_seq_q <= c_seq_d;
    pk_q <= pk_d;
    add_bytes_q <= add_bytes_d; wr_pkt_q <= wr_pkt_d;
    m_cmd_q <= m_cmd_d; m_addr_q <= m_addr_d; m_len_q <= m_len_d;
    m_wimg_q <= m_wimg_d; m_wmask_q <= m_wmask_d;
    parse_mode_q <= parse_mode_d; parse_avail_q <= parse_avail_d;
  end

endmodule : esp_batch_ctrl

`default_nettype wire
