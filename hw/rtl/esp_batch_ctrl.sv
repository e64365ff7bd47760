// esp_batch_ctrl: the engine sequencer (hw/rtl/DATAPATH.md): the descriptor
// loop and every step of hw/spec/CONTRACT.md for ENCRYPT and DECRYPT, in the
// contract's order, as the HLS kernel does them (packet_stage.hpp,
// esp_encap.hpp, esp_decap.hpp): same statuses, completion fields, counters
// and card-memory writes; the commands (CONTRACT.md "Commands") without a
// packet; a STOP ends the run once everything before it is written.
// It is the head of the process stage (hw/rtl/README.md "Stages", DATAPATH.md
// "The process stage across descriptors"): takes the input slots of the
// fetch stage (esp_fetch) in order, each descriptor in an output slot; an
// ENCRYPT past every check (tx_seq, counters, lifetimes updated here) and a
// tunnel-mode DECRYPT past its replay pre-check go to the tail
// (esp_batch_tail, in esp_batch_units) once esp_aead takes their job. The
// head's own completions and commands wait until the tail is idle.
// Card memory through esp_mem_access's process client; installed bits and
// SPI table in esp_card_state; the installed SAs in esp_sa_store. The units
// are started, and their buffer ports owned, by esp_batch_units from head_o.
`default_nettype none

module esp_batch_ctrl
  import esp_spec_pkg::*;
  import esp_mem_pkg::*;
  import esp_unit_pkg::*;
#(
  parameter int unsigned MaxSpiBucketsLog2 = 14,   // the card's SPI table (esp_card_state)
  parameter int unsigned MaxSas = 65536,            // the SA store (esp_sa_store)
  parameter int unsigned OSlots = 4,                // output slots (esp_writeback, esp_out_bank)
  localparam int unsigned OSlotW = (OSlots > 1) ? $clog2(OSlots) : 1,
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
  input  wire logic [63:0]   sa_state_i,
  input  wire logic [63:0]   replay_i,
  input  wire logic [31:0]   sa_capacity_i,       // min(sa_capacity, MAX_SAS)
  input  wire logic [31:0]   spi_buckets_log2_i,
  output      logic          run_start_o,
  input  wire logic          init_done_i,         // esp_card_state is cleared
  // esp_card_state: installed bits, SPI table
  output      logic          inst_rd_o,           // (inst_i the cycle after)
  output      logic [31:0]   inst_idx_o,
  input  wire logic          inst_i,
  output      logic          inst_we_o,
  output      logic [31:0]   inst_widx_o,
  output      logic          inst_wval_o,
  output      logic          spi_rd_o,
  output      logic [31:0]   spi_rd_bucket_o,
  input  wire spi_bucket_t   spi_bucket_i,
  output      logic          spi_wr_o,
  output      logic [31:0]   spi_wr_slot_o,
  output      spi_slot_t     spi_wr_val_o,
  // the fetch stage: the oldest fetched descriptor (its packet in the input slot)
  input  wire logic          in_valid_i,
  input  wire logic [8*DESCRIPTOR_SIZE-1:0] in_desc_i,
  input  wire logic          in_next_enc_i,   // the descriptor behind it: an ENCRYPT of SA in_next_sa_i,
  input  wire logic [31:0]   in_next_sa_i,
  input  wire logic          in_next_lk_i,    // a DECRYPT of SPI in_next_spi_i (classified; no USE_SA_INDEX)
  input  wire logic [31:0]   in_next_spi_i,
  input  wire logic          in_cls_valid_i,  // its packet classified (esp_cls_ahead: ENCRYPT PARSE_IP, DECRYPT PARSE_LOCATE_ESP), in in_cls_rsp_i
  input  wire parse_rsp_t    in_cls_rsp_i,
  output      logic          in_pop_o,
  output      logic          in_pop_rel_o,    // with in_pop_o: its input slot is released too
  input  wire logic          fetch_idle_i,
  // the write-back stage: the free output slots taken in order, the pushes
  // of finished ones in the same order
  input  wire logic          out_ready_i,     // output slot out_slot_i is free
  input  wire logic [OSlotW-1:0] out_slot_i,
  output      logic          out_alloc_o,     // it is taken (with a descriptor; esp_batch_units pushes)
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
  // esp_batch_units: the head's step and registers; the tail
  output      head_view_t    head_o,
  output      logic [OSlotW-1:0] hslot_o,   // the descriptor's output slot
  input  wire logic          tail_idle_i,
  input  wire logic [(1<<OSlotW)-1:0]       tail_dec_v_i,   // its DECRYPTs, by output slot: their SA
  input  wire logic [(1<<OSlotW)-1:0][31:0] tail_dec_sa_i,
  input  wire st_wr_t        st_wr_i,       // the SA store's write (the head's, or the tail's)
  input  wire te_flush_t     tail_fl_i,     // with it, a crossing's old te to card memory
  output      logic          fl_full_o,     // one is still held here
  // the units' answers
  input  wire logic          parse_done_i,
  input  wire parse_rsp_t    parse_rsp_i,
  input  wire logic          tr_done_i,
  input  wire tr_rsp_t       tr_rsp_i,
  input  wire logic          aead_req_ready_i,
  input  wire logic          aead_rd_idle_i,    // esp_aead has read every job's input
  input  wire logic          aead_rsp_valid_i,
  input  wire aead_rsp_t     aead_rsp_i,
  input  wire logic          hb_done_i
);

  // ----------------------------------------------------------- constants
  localparam int unsigned SaBytes  = sa_read_bytes();   // fields (HLS kSaReadBytes)
  localparam int unsigned SaBits   = 8 * SaBytes;

  localparam logic [7:0] NhNoNext   = 8'(NH_NO_NEXT);


  // What a finished struct read is loaded into.
  typedef enum logic [2:0] {LdNone, LdSa, LdEnt, LdLine, LdTe} load_e;

  // ------------------------------------------------------------------- state
  head_state_e state_q, state_d, ret_q, ret_d;
  load_e       ld_q, ld_d;
  logic [63:0] a_sa_q, a_replay_q, a_st_q;
  logic [31:0] sa_cap_q, log2_q;
  logic        cmd_q, cmd_d, stop_q, stop_d;   // the descriptor is a command / a STOP
  logic        pf_q, pf_lk_q;                  // the SA pf_idx_q was read ahead in the cycle before (esp_sa_ahead)
  logic [31:0] pf_idx_q, pf_spi_q;             // (pf_lk_q: for a DECRYPT of SPI pf_spi_q)
  logic        h_spi_rd, a_spi_rd, a_st_rd;    // the SPI table's and the store's reads: the head's, ahead
  logic [31:0] h_spi_bucket, a_spi_bucket, a_st_idx;

  logic [8*DESCRIPTOR_SIZE-1:0] desc_q, desc_d;
  sa_entry_t          sa_q, sa_d;     // the fields (SaBytes) read; the reserved tail 0
  sa_counters_t       ctr_q, ctr_d;
  logic [63:0]        top_q, top_d, seq_q, seq_d;   // top_q: the state line's seq (tx_seq / replay top)
  logic [31:0]        sa_idx_q, sa_idx_d;
  replay_entry_t      ent_q, ent_d;   // seq's replay ring entry
  replay_entry_t      te_q, te_d;     // the ring entry of the top (inbound, te_ok_q), on chip
  logic               te_ok_q, te_ok_d, keep_q, keep_d;   // keep: SA_INSTALL with KEEP_STATE of an installed SA

  // Registers in front of the SA store (cleared when a run starts and by
  // every command; every change of the state goes into the store too):
  // sa_q holds SA sa_idx_q (sa_ok), ctr_q / top_q / te_q its state (when it
  // is installed); the last successful SPI lookup.
  logic        sa_ok_q, sa_ok_d, lk_ok_q, lk_ok_d, spec_q, spec_d;
  logic [63:0] tmax_q, tmax_d, tmax;   // (spec_q) the highest T the tail's DECRYPTs of the SA can leave
  logic        xing_q, xing_d;          // (spec_q) one of them may move T to another ring entry
  logic [31:0] lk_spi_q, lk_spi_d, lk_idx_q, lk_idx_d;

  // completion
  logic [15:0] status_q, status_d;
  logic        soft_q, soft_d;
  logic [31:0] c_sa_q, c_sa_d, c_spi_q, c_spi_d, c_len_q, c_len_d;
  logic [63:0] c_seq_q, c_seq_d;

  // the packet (parse results and plan)
  pkt_ctx_t    pk_q, pk_d;
  logic [31:0] add_bytes_q, add_bytes_d;
  logic        wr_pkt_q, wr_pkt_d;    // the output packet is written (status OK)
  logic [OSlotW-1:0] hslot_q, hslot_d;   // the descriptor's output slot

  // memory command and unit starts (registered pulses)
  logic        m_go_q, m_go_d;
  mem_cmd_e    m_cmd_q, m_cmd_d;
  logic [63:0] m_addr_q, m_addr_d;
  logic [31:0] m_len_q, m_len_d;
  logic [Dw-1:0] m_wimg_q, m_wimg_d;
  logic [PKT_BUS_BYTES-1:0] m_wmask_q, m_wmask_d;
  logic        parse_go_q, parse_go_d, tr_go_q, tr_go_d, hb_go_q, hb_go_d;
  parse_mode_e parse_mode_q, parse_mode_d;
  pkt_len_t    parse_avail_q, parse_avail_d;

  // ------------------------------------------------------------ field views
  // The descriptor: in StNext the fetch stage's head (decided in the cycle
  // it is taken), afterwards the one taken (desc_q).
  logic [8*DESCRIPTOR_SIZE-1:0] desc;
  assign desc = (state_q == StNext) ? in_desc_i : desc_q;

  descriptor_t d;
  command_t    cm;
  assign d  = descriptor_t'(desc);
  assign cm = command_t'(desc);
  // ENCRYPT of a TFC dummy packet (CONTRACT.md ENCRYPT "Dummy packets")
  logic d_dummy;
  assign d_dummy = d.flags[DESCRIPTOR_FLAGS_DUMMY_BIT];

  sa_view_t sa;   // SA sa_idx_q (in sa_q)
  esp_sa_view u_sa_view (
    .sa_i (sa_q),
    .sa_o (sa)
  );
  // The slot of SA sa_idx_q as the card sees it: not VALID unless installed
  // (sa_inst_q: its installed bit, read with it from esp_card_state).
  logic sa_valid, sa_inst_q, sa_inst_d;
  logic cmd_inst_rd;   // SA_INSTALL with KEEP_STATE reads its SA's installed bit (StCmdInstRd)
  assign sa_valid = sa.valid & sa_inst_q;

  // ----------------------------------------------------------------- helpers
  logic          params_ok, hard, seq_full, soft_now, inferred_ok, win_fresh, win_old, win_pass, te_hit;
  logic          log2_ok, spi_hit, esp_len_bad;
  sa_counters_t  ok_ctr, hard_ctr;   // after an OK packet (packets, bytes, soft_events), a hard lifetime
  logic [63:0]   inferred_seq, ent_off, te_off, a_line, a_ent;
  logic [31:0]   bucket0, bucket1, sa_ref_m1, room;
  replay_entry_t win_commit;
  pkt_ctx_t      plan;
  // The parse answer in use (prs): the fetch stage's classify of the packet
  // (esp_cls_ahead, the head ticket's: esp_ip_parse's PARSE_IP answer for an
  // ENCRYPT, PARSE_LOCATE_ESP for a DECRYPT) while cls_q, i.e. from the
  // descriptor's take (it decided the packet; not a dummy ENCRYPT) until
  // esp_ip_parse is started (a transport-mode ENCRYPT's PARSE_OUT, a
  // DECRYPT's inner parse); esp_ip_parse's otherwise. ENCRYPT 2 of a
  // tunnel-mode SA and DECRYPT 1-3 then take no cycle of their own.
  logic          cls_q, cls_d;
  parse_rsp_t    prs;
  assign prs = (state_q == StNext ? in_cls_valid_i : cls_q) ? in_cls_rsp_i : parse_rsp_i;
  pkt_len_t      ct_len;
  // A DECRYPT's sequence number and text length as the head uses them: in
  // StDecSa the ones decided in that cycle (the ESN inference of DECRYPT 8,
  // the length from the SA's ICV), so that DECRYPT 9 and the request to
  // esp_aead may follow in the same cycle; then the registers.
  logic [63:0]   seq_cur;
  pkt_ctx_t      pk_cur;
  // Likewise an ENCRYPT in the cycle it is planned (StEncSa, StEncParse):
  // the plan, its bytes for the counters, tx_seq + 1.
  logic          enc_now;
  logic [31:0]   add_bytes_cur;
  assign enc_now = state_q == StEncSa || state_q == StEncParse;
  assign seq_cur = state_q == StDecSa ? inferred_seq : (enc_now ? top_q + 64'd1 : seq_q);
  assign add_bytes_cur = enc_now ? 32'(plan.pkt_len) : add_bytes_q;
  always_comb begin
    pk_cur = enc_now ? plan : pk_q;
    if (state_q == StDecSa) pk_cur.pt_len = ct_len;
  end
  esp_sa_rules #(.MaxSpiBucketsLog2(MaxSpiBucketsLog2)) u_rules (
    .inbound_i (cmd_q ? !sa.outbound : op_dec),   // SA_INSTALL: does it have a ring
    .sa_i (sa), .ctr_i (ctr_q), .top_i (top_q), .add_bytes_i (add_bytes_cur),
    .seq_lo_i (c_seq_q[31:0]), .seq_i (seq_cur), .entry_i (ent_q), .te_ok_i (te_ok_q),
    .log2_i (log2_q), .bucket_i (spi_bucket_i), .parse_i (prs), .dummy_i (d_dummy),
    .in_length_i (d.in_length), .out_capacity_i (d.out_capacity), .esp_len_i (pk_q.esp_len), .params_ok_o (params_ok),
    .hard_o (hard), .hard_ctr_o (hard_ctr), .seq_full_o (seq_full), .ok_ctr_o (ok_ctr),
    .soft_o (soft_now), .inferred_seq_o (inferred_seq), .inferred_ok_o (inferred_ok), .fresh_o (win_fresh),
    .old_o (win_old), .pass_o (win_pass), .commit_o (win_commit), .ent_off_o (ent_off),
    .te_off_o (te_off),   // the top's entry (in the store with the state)
    .te_hit_o (te_hit),   // seq's entry is the top's
    .log2_ok_o (log2_ok), .bucket0_o (bucket0), .bucket1_o (bucket1), .spi_hit_o (spi_hit),
    .sa_index_o (sa_ref_m1), .plan_o (plan), .room_o (room), .ct_len_o (ct_len),
    .esp_len_bad_o (esp_len_bad)
  );
  // the inference from the highest T the tail's DECRYPTs of the SA can leave
  logic [63:0] tmax_seq;
  logic        tmax_ok;
  assign tmax = spec_q ? tmax_q : top_q;
  esp_esn u_esn_tmax (
    .esn_i (sa.esn), .top_i (tmax_q), .window_bits_i (sa.window_bits), .seq_lo_i (c_seq_q[31:0]),
    .seq_o (tmax_seq), .ok_o (tmax_ok)
  );
  assign a_line = a_st_q + (64'(sa_idx_q) << $clog2(SA_STATE_SIZE));
  assign a_ent  = a_replay_q + ent_off;

  // ------------------------------------------- the process client's commands
  // The head's (m_go_q, fields in m_*_q) and the tail's flushes of an old te
  // (esp_head_client): every read of the head waits for the posted writes
  // and a held flush (wr_idle: mem_rd, StFence); commands wait until no
  // flush is held (StNext).
  logic          acc_h, fl_v, wr_idle, p_valid;
  mem_cmd_e      p_cmd;
  logic [63:0]   p_addr;
  logic [Dw-1:0] p_wimg;
  logic [PKT_BUS_BYTES-1:0] p_wmask;
  esp_head_client u_client (
    .clk_i, .rst_ni,
    .h_go_i (m_go_q), .h_wr_i (state_q == StMemW), .h_cmd_i (m_cmd_q), .h_addr_i (m_addr_q),
    .h_wimg_i (m_wimg_q), .h_wmask_i (m_wmask_q), .h_acc_o (acc_h),
    .fl_i (tail_fl_i), .replay_base_i (a_replay_q), .fl_full_o (fl_v),
    .wb_i (state_q == StCmdWb), .wr_idle_o (wr_idle),
    .p_valid_o (p_valid), .p_cmd_o (p_cmd), .p_addr_o (p_addr), .p_wimg_o (p_wimg), .p_wmask_o (p_wmask),
    .mem_acc_i, .mem_wdone_i
  );
  assign fl_full_o = fl_v;

  // ----------------------------------------------------------- the SA store
  logic              st_init, init_ok, st_rd, st_we, st_mark, st_clean, st_ent_we, st_go_q, st_go_d, st_all_q, st_all_d, st_done;
  logic [31:0]       st_rd_idx;
  logic [SaBits-1:0] st_ent;
  sa_state_t         st_line, st_wline;
  replay_entry_t     st_te;
  logic              st_te_ok;
  // (its writes: the head's, or the tail's DECRYPT when the head makes none: st_wr_i)
  logic [31:0]       st_ridx;   // the store's read: the read ahead's, or the head's
  assign st_ridx = a_st_rd ? a_st_idx : st_rd_idx;
  esp_sa_store #(.MaxSas(MaxSas), .SaBits(SaBits)) u_sa_store (
    .clk_i, .rst_ni,
    .init_done_o (st_init),
    .rd_i  (st_rd || a_st_rd), .rd_idx_i (st_ridx),
    .ent_o (st_ent), .line_o (st_line), .te_o (st_te), .te_ok_o (st_te_ok),
    .idx_i (st_wr_i.idx), .ent_we_i (st_ent_we), .ent_i (sa_q[SaBits-1:0]),
    .we_i  (st_wr_i.we), .line_i (st_wr_i.line), .te_i (st_wr_i.te), .te_off_i (st_wr_i.te_off),
    .te_ok_i (st_wr_i.te_ok), .mark_i (st_wr_i.mark), .clean_i (st_clean),
    .wb_i (st_go_q), .wb_all_i (st_all_q), .wb_done_o (st_done),
    .st_base_i (a_st_q), .rp_base_i (a_replay_q),
    .p_valid_i (p_valid), .p_cmd_i (p_cmd), .p_addr_i (p_addr), .p_wimg_i (p_wimg), .p_wmask_i (p_wmask),
    .mem_valid_o, .mem_cmd_o, .mem_addr_o, .mem_wimg_o, .mem_wmask_o, .mem_acc_i   // (the write-back's in StCmdWb)
  );

  // ------------------------------------------- descriptor checks, commands
  logic        op_enc, op_dec, op_cmd, desc_malformed, desc_sa_range;
  logic        cd_install, cd_delete, cd_spi_wr, cd_stop, cd_wb, cd_wb_all;
  logic [15:0] cd_status;
  logic [31:0] cd_sa, cd_spi, cd_slot;
  spi_slot_t   cd_val;
  esp_cmd_decide #(.MaxSpiBucketsLog2(MaxSpiBucketsLog2)) u_cmd_decide (
    .cmd_i (desc), .sa_capacity_i (sa_cap_q), .op_enc_o (op_enc), .op_dec_o (op_dec),
    .op_cmd_o (op_cmd), .malformed_o (desc_malformed), .sa_range_o (desc_sa_range), .status_o (cd_status),
    .sa_index_o (cd_sa), .spi_o (cd_spi), .install_o (cd_install), .delete_o (cd_delete),
    .spi_wr_o (cd_spi_wr), .spi_slot_o (cd_slot), .spi_val_o (cd_val), .stop_o (cd_stop),
    .wb_o (cd_wb), .wb_all_o (cd_wb_all)
  );

  // ---------------------------------------------------------------- outputs
  // (a command's completion: status, sa_index, spi, zeros elsewhere)
  // Built from the values the sequencer leaves this cycle (its _d): a
  // descriptor goes to the tail in the cycle its last fields are decided
  // (StDecSa: sa_index and the inferred seq), and the head's own push
  // (StCpl) changes none of them.
  completion_t cpl;
  always_comb begin
    cpl = '0;
    {cpl.status, cpl.sa_index, cpl.out_length, cpl.spi, cpl.seq} = {status_d, c_sa_d, c_len_d, c_spi_d, c_seq_d};
    cpl.flags[COMPLETION_FLAGS_SOFT_EXPIRED_BIT] = soft_d;
    cpl.out_offset = cmd_d ? '0 : d.out_offset;
  end

  assign mem_len_o     = m_len_q;

  // ------------------------------------------------ the units, the tail
  // (esp_batch_units; DECRYPT across descriptors: hw/rtl/DATAPATH.md.) The
  // head's registers keep an SA's committed state while its DECRYPTs are in
  // the tail (spec_q; tmax_q: the highest T they can leave). The next
  // packet of that SA forwards from them (the tail re-checks: fwd) when the
  // SA's DECRYPT was the head's last one to the tail and the SA has no hard
  // lifetime, and the ESN inference from T and tmax_q agrees; else it waits
  // (StSaWait before reading the SA; StDecWait instead of anything the head
  // would write or finish itself, then DECRYPT 6-9 again on the store's state).
  // A tunnel-mode DECRYPT goes to the tail when its seq's entry is one the
  // tail has on chip whatever the DECRYPTs before it there do (pass or
  // fail): seq beyond every T they can leave (tmax: then seq's entry is the
  // top's or a later one, a crossing, whose content the tail knows), or
  // seq's entry is T's (te_hit) and none of them may move T to another
  // entry (xing_q). Else (seq at or below T in another entry: card memory)
  // the head finishes it.
  logic        head_push, dec_tail, dec_beyond, bit_pass, dec_go, enc_go;
  assign dec_beyond = seq_cur > tmax;
  assign dec_tail   = sa.tunnel && te_ok_q && (dec_beyond || (te_hit && !(spec_q && xing_q)));
  // DECRYPT 9 passes (in StDecSa or StDecBit, as StDecBit's branches decide
  // it); the request to esp_aead (dec_go, set by the sequencer): StDecAead,
  // or already in the cycle DECRYPT 9 passes for the tail (dec_aead)
  assign bit_pass   = win_fresh || (!win_old && ld_q == LdEnt && win_pass);
  assign head_o = '{state: state_q, op_enc: op_enc, sa: sa, pk: pk_cur, sa_idx: sa_idx_q, seq: seq_cur,
                    parse_mode: parse_mode_q, parse_avail: parse_avail_q, parse_go: parse_go_q, tr_go: tr_go_q,
                    hb_go: hb_go_q, dec_tail: dec_tail, dec_go: dec_go, enc_go: enc_go, spec: spec_q, push: head_push, wr_pkt: wr_pkt_q,
                    dctx: '{fwd: spec_q, sa_idx: sa_idx_q, window_bits: sa.window_bits, soft_bytes: sa.soft_bytes,
                            soft_packets: sa.soft_packets, ctr: ctr_q, top: top_q, seq: seq_cur, te: te_q,
                            te_off: te_off, ent_off: ent_off},
                    cpl: cpl, out_off: d.out_offset, out_cap: d.out_capacity,
                    st_we: st_we, st_mark: st_mark, st_line: st_wline, st_te: te_d,
                    st_te_off: (state_q == StComTop) ? ent_off : te_off, st_te_ok: te_ok_d};
  assign hslot_o = hslot_q;

  // --------------------------------------------------------------- sequencer
  // Command helpers: a memory command goes out as a registered pulse and
  // continues at `ret`. Writes are posted: StMemW waits only until the
  // command is taken (esp_head_client counts those whose responses are not in).
  // A read waits in StFence until every write of this stage (the tail's
  // flushes too) has its response (so it sees them; AXI does not order a
  // read after a write), then StMem waits for its data.
  task automatic mem_rd(input logic [63:0] a, input logic [31:0] n, input load_e ld, input head_state_e ret);
    m_cmd_d = CmdRdStruct; m_addr_d = a; m_len_d = n; ld_d = ld; ret_d = ret;
    if (wr_idle) begin
      m_go_d = 1'b1; state_d = StMem;
    end else state_d = StFence;
  endtask
  // SA i's entry from the SA table in card memory (LdSa), then `ret`.
  task automatic entry_rd(input logic [31:0] i, input head_state_e ret);
    mem_rd(a_sa_q + (64'(i) << $clog2(SA_ENTRY_SIZE)), SaBytes, LdSa, ret);
  endtask
  // The installed SA read from the store in the cycle before (its entry and
  // state record) into the registers, then `ret`.
  task automatic store_ld(input head_state_e ret);
    sa_d = sa_entry_t'(SA_ENTRY_BITS'(st_ent)); sa_ok_d = 1'b1; sa_inst_d = 1'b1;
    state_ld(ret);
  endtask
  // The state record alone (SA_INSTALL with KEEP_STATE keeps it), then `ret`.
  task automatic state_ld(input head_state_e ret);
    ctr_d = st_line.counters; top_d = st_line.seq; te_d = st_te; te_ok_d = st_te_ok;
    state_d = ret;
  endtask
  task automatic mem_wr(input logic [63:0] a, input logic [Dw-1:0] img, input logic [PKT_BUS_BYTES-1:0] mask,
                        input head_state_e ret);
    m_go_d = 1'b1; m_cmd_d = CmdWrStruct; m_addr_d = a; m_wimg_d = img; m_wmask_d = mask; ld_d = LdNone;
    ret_d = ret; state_d = StMemW;
  endtask
  // A bucket of the card's SPI table (in spi_bucket_i the next cycle, `ret`).
  task automatic spi_rd(input logic [31:0] bucket, input head_state_e ret);
    h_spi_rd = 1'b1; h_spi_bucket = bucket; state_d = ret;
  endtask
  // SA i into sa_q (unless it is there), then `ret`: from the SA store with
  // its state (StSaLd), or, not installed, its entry from card memory.
  task automatic sa_fetch(input logic [31:0] i, input head_state_e ret);
    sa_idx_d = i; ret_d = ret;
    if (sa_ok_q && sa_idx_q == i && (!spec_q || (dec_busy(i) && sa.hard_packets == '0 && sa.hard_bytes == '0))) begin
      state_d = ret;   // the registers (spec_q: forwarding)
    end else if (dec_busy(i)) state_d = StSaWait;   // after the tail's DECRYPTs of it
    else if (pf_q && pf_idx_q == i && inst_i) begin  // read ahead (pf_*): StSaLd's load now
      spec_d = 1'b0; store_ld(ret);
    end
    else begin
      st_rd = 1'b1; st_rd_idx = i; state_d = StSaLd;
    end
  endtask
  // The descriptor went to the tail with its esp_aead job (taken now): the
  // next one at once (tunnel mode: the input slot popped now, released by
  // esp_aead's read; the job was given its ticket in this cycle), or
  // (transport ENCRYPT) after StEncRel.
  task automatic to_tail();
    if (sa.tunnel) begin
      in_pop_o = 1'b1;
      ld_d = LdNone;
      state_d = StNext;
    end else state_d = StEncRel;
  endtask
  // A DECRYPT of SA i is in the tail.
  function automatic logic dec_busy(input logic [31:0] i);
    dec_busy = sa_in_tail(MaxOSlots'(tail_dec_v_i), (32 * MaxOSlots)'(tail_dec_sa_i), i);
  endfunction
  // The SA's state (counters c, seq t, te_d) into the SA store, changed.
  task automatic st_wr(input sa_counters_t c, input logic [63:0] t);
    st_we = 1'b1; st_mark = 1'b1; st_wline.counters = c; st_wline.seq = t;
  endtask
  // The store's write-back (st_go_q: with sa_idx_q set), then `ret`.
  task automatic wb(input logic all, input head_state_e ret);
    st_go_d = 1'b1; st_all_d = all; ret_d = ret; state_d = StCmdWb;
  endtask
  // Ends the descriptor with status s (its completion is written next).
  task automatic finish(input logic [15:0] s);
    status_d = s; state_d = StCpl;
  endtask
  // ENCRYPT 2 done: the parse results (a tunnel-mode dummy packet: none) and
  // the plan of the output (pk_cur, add_bytes_cur in this cycle), then at
  // once ENCRYPT 3, 4 (NO_SPACE) and 5; past NO_SPACE nothing fails, so
  // ENCRYPT 6 is done here, at issue: tx_seq, the counters (a dummy
  // packet: dummy++ only) and the soft lifetime into ctr_q / top_q, the
  // registers in front of the SA store, which the next descriptor of the
  // same SA uses as they are (sa_fetch: no store read), and into the store
  // in the same cycle, before any other SA's descriptor reads it (a
  // read-after-write in order: correct by construction). The request to
  // esp_aead goes out in this cycle too (enc_go): esp_aead puts the ESP
  // trailer on its stream (aead_req_t.trl), nothing is built in ibuf.
  task automatic enc_plan();
    sa_counters_t c;
    pk_d = plan; add_bytes_d = 32'(plan.pkt_len);
    if (hard || seq_full) line_wr(hard_ctr, STATUS_LIFETIME_EXPIRED);
    else if (32'(plan.out_len) > room) finish(STATUS_NO_SPACE);
    else begin
      c = ok_ctr;
      if (d_dummy) begin
        c = ctr_q;
        c[8*SA_COUNTERS_DUMMY_OFFSET +: 64] = ctr_q[8*SA_COUNTERS_DUMMY_OFFSET +: 64] + 64'd1;
      end else soft_d = soft_now;
      seq_d = top_q + 64'd1; c_seq_d = top_q + 64'd1; top_d = top_q + 64'd1;
      wr_pkt_d = 1'b1; c_len_d = 32'(plan.out_len);
      ctr_d = c; st_wr(c, top_q + 64'd1);
      enc_go = 1'b1;
      if (aead_req_ready_i) to_tail();
      else state_d = StEncAead;
    end
  endtask
  // ENCRYPT 2's answer (prs: the classify's, or esp_ip_parse's in its done
  // cycle): MALFORMED, or the plan and ENCRYPT 3-6.
  task automatic enc_parsed();
    if (prs.status != STATUS_OK) finish(STATUS_MALFORMED);
    else enc_plan();
  endtask
  // The state line with counters c and seq top_q written (on chip), then
  // the completion (status s).
  // (A DECRYPT forwarded from the tail's (spec_q): after the tail, again.)
  task automatic line_wr(input sa_counters_t c, input logic [15:0] s);
    if (op_dec && spec_q) state_d = StDecWait;
    else begin
      status_d = s; ctr_d = c;
      st_wr(c, top_q); state_d = StCpl;
    end
  endtask
  // Adds one to 64-bit counter `off` of the SA, then ends with status s.
  task automatic bump(input int unsigned off, input logic [15:0] s);
    sa_counters_t c;
    c = ctr_q;
    c[8*off +: 64] = ctr_q[8*off +: 64] + 64'd1;   // the counter at byte `off` of the image
    line_wr(c, s);
  endtask
  // ENCRYPT 6 / DECRYPT 16: the counters of an OK packet (add_bytes_q set
  // at least a cycle before), then its completion.
  task automatic ok_counters();
    soft_d = soft_now; c_len_d = 32'(pk_q.out_len);
    line_wr(ok_ctr, STATUS_OK);
  endtask
  // DECRYPT 8 (the sequence number: ESN inference from the replay top, in
  // top_q), then 9 (the window check) with it the next cycle.
  task automatic dec_ctr();
    if (hard) line_wr(hard_ctr, STATUS_LIFETIME_EXPIRED);
    else if (esp_len_bad) bump(SA_COUNTERS_BAD_PACKET_OFFSET, STATUS_MALFORMED);
    else begin
      pk_d.pt_len = ct_len;
      seq_d = inferred_seq; c_seq_d = inferred_seq;
      if (spec_q && (tmax_seq != inferred_seq || tmax_ok != inferred_ok)) state_d = StDecWait;
      else if (!inferred_ok) bump(SA_COUNTERS_REPLAY_OFFSET, STATUS_REPLAY);
      else if (bit_pass) dec_aead();   // DECRYPT 9 with it (seq_cur)
      else state_d = StDecBit;
    end
  endtask
  // DECRYPT 1-3 done (prs: the classify's, in the cycle the descriptor is
  // taken, or esp_ip_parse's in its done cycle), then 4-5: the SA by its
  // index, the last lookup or the SPI table.
  task automatic dec_loc();
    if (prs.status != STATUS_OK) finish(prs.status);
    else begin
      pk_d.version = prs.version; pk_d.pkt_len = prs.pkt_len; pk_d.ihl = prs.ihl;
      pk_d.hdr_len = prs.hdr_len; pk_d.nh_off = prs.nh_off;
      pk_d.esp_off = prs.esp_off; pk_d.esp_len = prs.esp_len;
      c_spi_d = prs.spi; c_seq_d = 64'(prs.seq_lo);
      if (d.flags[DESCRIPTOR_FLAGS_USE_SA_INDEX_BIT]) begin
        if (d.sa_index >= sa_cap_q) finish(STATUS_BAD_SA);
        else sa_fetch(d.sa_index, StDecSaIdx);
      end else if (!log2_ok) finish(STATUS_UNKNOWN_SPI);
      else if (lk_ok_q && prs.spi == lk_spi_q) sa_fetch(lk_idx_q, StDecSa);
      else if (pf_q && pf_lk_q && prs.spi == pf_spi_q) begin   // looked up ahead (esp_sa_ahead)
        lk_ok_d = 1'b1; lk_spi_d = prs.spi; lk_idx_d = pf_idx_q;
        sa_fetch(pf_idx_q, StDecSa);
      end else spi_rd(bucket0, StDecB0);
    end
  endtask
  // DECRYPT 9 passed: to esp_aead and the tail (the job taken now: dec_go),
  // else (DECRYPT 10-16 here) StDecAead.
  task automatic dec_aead();
    if (dec_tail) begin
      dec_go = 1'b1;
      if (aead_req_ready_i) begin   // the registers stay the committed state
        spec_d = 1'b1; tmax_d = dec_beyond ? seq_cur : tmax;
        xing_d = (spec_q && xing_q) || !te_hit;   // (seq's entry is not T's: a crossing, or after one)
        to_tail();
      end else state_d = StDecAead;
    end else state_d = StDecAead;
  endtask
  // Commands (CONTRACT.md "Commands", esp_cmd_decide), decided in the cycle
  // they are taken (SA_INSTALL: once its entry is read; SA_DELETE,
  // STATE_SYNC, STOP: the SA store writes back first).
  task automatic command();
    cmd_d = 1'b1; stop_d = cd_stop;
    sa_ok_d = 1'b0; lk_ok_d = 1'b0; spec_d = 1'b0;   // the registers dropped
    c_sa_d = cd_sa; c_spi_d = cd_spi; sa_idx_d = cm.sa_index; status_d = cd_status;
    inst_we_o = cd_delete; inst_widx_o = cm.sa_index; inst_wval_o = 1'b0;
    spi_wr_o = cd_spi_wr; spi_wr_slot_o = cd_slot; spi_wr_val_o = cd_val;
    if (cd_delete) begin   // the key bytes on chip: the entry (StCmdWipe), esp_aead's key slot
      sa_d = '0; wb(1'b0, StCmdWipe);
    end else if (cd_install) begin
      keep_d = cm.flags[DESCRIPTOR_FLAGS_KEEP_STATE_BIT];   // (and installed: StCmdKchk)
      // KEEP_STATE: the SA's changed state (held since a STOP KEEP_STATE)
      // is written back first, so that a new entry without a ring (not
      // VALID, outbound, bad parameters) loses no replay entry the card holds
      if (cm.flags[DESCRIPTOR_FLAGS_KEEP_STATE_BIT]) wb(1'b0, StCmdInstRd);
      else entry_rd(cm.sa_index, StCmdInst);
    end else if (cd_wb) wb(cd_wb_all, StCmdEnd);
    else finish(cd_status);
  endtask

  always_comb begin
    state_d = state_q; ret_d = ret_q; ld_d = ld_q;
    desc_d = desc_q; sa_d = sa_q; ctr_d = ctr_q; top_d = top_q; seq_d = seq_q; sa_idx_d = sa_idx_q; ent_d = ent_q;
    te_d = te_q; te_ok_d = te_ok_q; keep_d = keep_q;
    cmd_d = cmd_q; stop_d = stop_q;
    sa_ok_d = sa_ok_q; sa_inst_d = sa_inst_q; spec_d = spec_q; cmd_inst_rd = 1'b0; tmax_d = tmax_q; xing_d = xing_q;
    lk_ok_d = lk_ok_q; lk_spi_d = lk_spi_q; lk_idx_d = lk_idx_q;
    st_rd = 1'b0; st_rd_idx = sa_idx_q; st_we = 1'b0; st_mark = 1'b0; st_clean = 1'b0; st_ent_we = 1'b0;
    st_wline.counters = ctr_q; st_wline.seq = top_q; st_go_d = 1'b0; st_all_d = st_all_q;
    status_d = status_q; soft_d = soft_q; c_sa_d = c_sa_q; c_spi_d = c_spi_q; c_len_d = c_len_q; c_seq_d = c_seq_q;
    pk_d = pk_q; add_bytes_d = add_bytes_q;
    wr_pkt_d = wr_pkt_q; hslot_d = hslot_q;
    m_go_d = 1'b0; m_cmd_d = m_cmd_q; m_addr_d = m_addr_q; m_len_d = m_len_q;
    m_wimg_d = m_wimg_q; m_wmask_d = m_wmask_q;
    parse_go_d = 1'b0; parse_mode_d = parse_mode_q; parse_avail_d = parse_avail_q; cls_d = cls_q;
    tr_go_d = 1'b0; hb_go_d = 1'b0;
    ready_o = 1'b0; done_o = 1'b0; dec_go = 1'b0; enc_go = 1'b0; in_pop_o = 1'b0; in_pop_rel_o = 1'b0; out_alloc_o = 1'b0;
    inst_we_o = 1'b0; inst_widx_o = '0; inst_wval_o = 1'b0;
    h_spi_rd = 1'b0; h_spi_bucket = '0;
    spi_wr_o = 1'b0; spi_wr_slot_o = '0; spi_wr_val_o = '0;

    unique case (state_q)
      StIdle: if (start_i && init_ok) begin
        stop_d = 1'b0;
        state_d = StNext;
      end
      StNext: begin  // the descriptor's own checks, in the cycle it is taken
        // (in a new output slot; anything but an ENCRYPT or DECRYPT once the
        // tail is idle and its last flush taken)
        if (in_valid_i && out_ready_i && (op_enc || op_dec || (tail_idle_i && !fl_v))) begin
          out_alloc_o = 1'b1; hslot_d = out_slot_i;
          desc_d = in_desc_i;
          status_d = STATUS_OK; soft_d = 1'b0; c_sa_d = NO_SA_INDEX; c_spi_d = '0; c_len_d = '0; c_seq_d = '0;
          wr_pkt_d = 1'b0; cmd_d = 1'b0;
          cls_d = in_cls_valid_i && (op_dec || (op_enc && !d_dummy));
          if (op_cmd) command();
          else if (!op_enc && !op_dec) finish(STATUS_BAD_OPCODE);
          else if (desc_malformed) finish(STATUS_MALFORMED);
          else if (op_enc && !desc_sa_range) finish(STATUS_BAD_SA);
          else if (op_enc) sa_fetch(d.sa_index, StEncSa);
          else begin
            // the packet is in the input slot (esp_fetch); classified there, or parsed now
            parse_mode_d = PARSE_LOCATE_ESP; parse_avail_d = PKT_LEN_BITS'(d.in_length);
            if (in_cls_valid_i) dec_loc();
            else begin
              parse_go_d = 1'b1; state_d = StDecLoc;
            end
          end
        end
      end
      StSaWait: if (!dec_busy(sa_idx_q)) begin
        st_rd = 1'b1; st_rd_idx = sa_idx_q; state_d = StSaLd;
      end
      StDecWait: if (!dec_busy(sa_idx_q)) begin   // DECRYPT 6-9 again on the SA's state
        st_rd = 1'b1; st_rd_idx = sa_idx_q; ret_d = StDecSa; ld_d = LdNone; state_d = StSaLd;
      end
      StFence: if (wr_idle) begin
        m_go_d = 1'b1; state_d = StMem;
      end
      StMemW: if (acc_h) state_d = ret_q;
      StMem: if (mem_done_i) begin
        unique case (ld_q)
          LdSa: begin   // (an SA that is not installed, or SA_INSTALL's new entry)
            sa_d = sa_entry_t'(SA_ENTRY_BITS'(mem_rimg_i[SaBits-1:0]));
            sa_ok_d = 1'b1; sa_inst_d = 1'b0;
          end
          LdEnt: ent_d = replay_entry_t'(mem_rimg_i[REPLAY_ENTRY_BITS-1:0]);
          LdLine: {ctr_d, top_d} = mem_rimg_i[SA_STATE_BITS-1:0];
          LdTe: begin
            te_d = replay_entry_t'(mem_rimg_i[REPLAY_ENTRY_BITS-1:0]); te_ok_d = 1'b1;
          end
          default: ;
        endcase
        state_d = ret_q;
      end
      StSaLd: begin  // SA sa_idx_q: installed, from the store; else its entry from card memory
        spec_d = 1'b0;
        if (inst_i) store_ld(ret_q);
        else entry_rd(sa_idx_q, ret_q);
      end
      // SA_INSTALL: the entry read (its spi for the completion); KEEP_STATE of
      // an installed SA keeps the store's state, else the state line (and the
      // top's ring entry) from card memory; then into the store, installed,
      // and (a VALID SA with good parameters) its key set up in esp_aead's
      // key store (StCmdKey: a setup request; none on a hit), so that no
      // packet waits for it.
      StCmdInstRd: begin   // KEEP_STATE: the SA's installed bit (inst_i the cycle after)
        cmd_inst_rd = 1'b1; state_d = StCmdKchk;
      end
      StCmdKchk: begin
        keep_d = keep_q && inst_i;
        entry_rd(sa_idx_q, StCmdInst);
      end
      StCmdInst: begin
        c_spi_d = sa.spi;
        if (keep_q) begin
          st_rd = 1'b1; state_d = StCmdKeep;
        end else begin
          keep_d = 1'b0; te_ok_d = 1'b0;
          mem_rd(a_line, SA_STATE_SIZE, LdLine, StCmdLine);
        end
      end
      StCmdKeep: state_ld(StCmdLine);
      StCmdLine: begin  // T in top_q
        if (!sa.valid || sa.outbound || !params_ok) begin
          te_ok_d = 1'b0; state_d = StCmdSt;
        end else if (te_ok_q) state_d = StCmdSt;
        else mem_rd(a_replay_q + te_off, REPLAY_ENTRY_SIZE, LdTe, StCmdSt);
      end
      StCmdSt: begin
        st_ent_we = 1'b1; st_we = 1'b1; st_clean = !keep_q;
        inst_we_o = 1'b1; inst_widx_o = sa_idx_q; inst_wval_o = 1'b1;
        sa_ok_d = 1'b0;
        finish(STATUS_OK);
        if (sa.valid && params_ok) state_d = StCmdKey;   // its key set up now, not at its first packet
      end
      StCmdKey: if (aead_req_ready_i) state_d = StCpl;   // esp_aead took the setup request
      StCmdWb: if (st_done) state_d = ret_q;
      StCmdWipe: begin  // SA_DELETE: the store's entry zeroed, the wipe taken
        st_ent_we = 1'b1;
        if (aead_req_ready_i) state_d = StCmdEnd;
      end
      StCmdEnd: if (wr_idle) state_d = StCpl;   // the write-back's responses are in (no flush: the tail is idle)
      // ------------------------------------------------------------ ENCRYPT
      StEncSa: begin
        c_sa_d = sa_idx_q; c_spi_d = sa.spi;
        if (!sa_valid) finish(STATUS_SA_DISABLED);
        else if (!sa.outbound || !params_ok) finish(STATUS_BAD_SA);
        else if (sa.tunnel && d_dummy) enc_plan();   // ENCRYPT 2 skipped
        else if (sa.tunnel && cls_q) enc_parsed();   // ENCRYPT 2 done on arrival (esp_cls_ahead)
        else begin
          parse_mode_d = sa.tunnel ? PARSE_IP : PARSE_OUT; parse_avail_d = PKT_LEN_BITS'(d.in_length);
          parse_go_d = 1'b1; state_d = StEncParse;
        end
      end
      StEncParse: if (parse_done_i) enc_parsed();
      StEncAead: begin   // (the state is in the registers and the store)
        enc_go = 1'b1;
        if (aead_req_ready_i) to_tail();   // to the tail (tail_push)
      end
      // The next descriptor once esp_aead has taken the job (tunnel: its
      // read releases the input slot), or (transport ENCRYPT) once esp_aead
      // has read it and the tail's esp_hdr_build copied the header: released here.
      StEncRel: if (sa.tunnel || (aead_rd_idle_i && tail_idle_i)) begin
        in_pop_o = 1'b1; in_pop_rel_o = !sa.tunnel;
        ld_d = LdNone;
        state_d = StNext;
      end
      StDecHdr: if (hb_done_i) state_d = StDecDeliver;

      // ------------------------------------------------------------ DECRYPT
      StDecLoc: if (parse_done_i) dec_loc();
      StDecSaIdx: begin
        if (sa.spi != c_spi_q) finish(STATUS_UNKNOWN_SPI);
        else state_d = StDecSa;
      end
      StDecB0, StDecB1: begin  // the bucket is in spi_bucket_i
        if (spi_hit) begin
          if (sa_ref_m1 >= sa_cap_q) finish(STATUS_BAD_SA);
          else begin
            lk_ok_d = 1'b1; lk_spi_d = c_spi_q; lk_idx_d = sa_ref_m1;
            sa_fetch(sa_ref_m1, StDecSa);
          end
        end else if (state_q == StDecB0) spi_rd(bucket1, StDecB1);
        else finish(STATUS_UNKNOWN_SPI);
      end
      StDecSa: begin
        c_sa_d = sa_idx_q;
        if (!sa_valid) finish(STATUS_SA_DISABLED);
        else if (sa.outbound || !params_ok) finish(STATUS_BAD_SA);
        else dec_ctr();
      end
      StDecBit: begin  // DECRYPT 9: fresh passes, too old fails, else seq's ring entry (on chip: the top's)
        if (bit_pass) dec_aead();
        else if (win_old) bump(SA_COUNTERS_REPLAY_OFFSET, STATUS_REPLAY);
        else if (ld_q != LdEnt && te_hit) begin
          ent_d = te_q; ld_d = LdEnt;
        end else if (ld_q != LdEnt) mem_rd(a_ent, REPLAY_ENTRY_SIZE, LdEnt, StDecBit);
        else bump(SA_COUNTERS_REPLAY_OFFSET, STATUS_REPLAY);
      end
      // DECRYPT 10-16 in the tail (then the next descriptor: the input slot
      // back once esp_aead has read it), or here once the tail is idle.
      StDecAead: if (dec_tail) dec_aead();
      else if (spec_q) state_d = StDecWait;
      else begin   // (the request once the tail is idle)
        dec_go = 1'b1;
        if (tail_idle_i && aead_req_ready_i) state_d = StDecAeadRsp;
      end
      StDecAeadRsp: if (aead_rsp_valid_i) begin  // DECRYPT 10, then 11
        if (!aead_rsp_i.auth_ok) bump(SA_COUNTERS_AUTH_FAIL_OFFSET, STATUS_AUTH_FAIL);
        else if (win_fresh && te_hit) begin
          ent_d = te_q; state_d = StComTop;
        end else if (win_fresh) mem_rd(a_ent, REPLAY_ENTRY_SIZE, LdEnt, StComTop);
        else state_d = StComEnt;   // the entry read by the check
      end
      // DECRYPT 11: T = seq; seq's entry on chip (te), the old top's written
      // back (posted) when it is another one.
      StComTop: begin
        top_d = seq_q;
        if (!te_ok_q) begin
          st_wr(ctr_q, seq_q); state_d = StComEnt;
        end else begin
          te_d = win_commit; st_wr(ctr_q, seq_q);
          if (te_hit) state_d = StDecTrlGo;
          else mem_wr(a_replay_q + te_off, Dw'(te_q),
                      PKT_BUS_BYTES'({REPLAY_ENTRY_SIZE{1'b1}}), StDecTrlGo);
        end
      end
      StComEnt: if (te_hit) begin  // seq <= T: the entry on chip, or in card memory
        te_d = win_commit; st_wr(ctr_q, top_q); state_d = StDecTrlGo;
      end else mem_wr(a_ent, Dw'(win_commit), PKT_BUS_BYTES'({REPLAY_ENTRY_SIZE{1'b1}}), StDecTrlGo);
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
      // the input slot back to the fetch stage; after a STOP the run ends.
      StCpl: if (tail_idle_i) begin   // after the tail's (earlier) descriptors
        in_pop_o = 1'b1; in_pop_rel_o = 1'b1;   // (the push: head_push)
        ld_d = LdNone;
        state_d = stop_q ? StDrain : StNext;
      end
      StDrain: if (fetch_idle_i && wb_idle_i && tail_idle_i && wr_idle) state_d = StDone;
      StDone: begin
        ready_o = 1'b1;
        done_o  = 1'b1;
        state_d = StIdle;
      end
      default: state_d = StIdle;
    endcase
    if (parse_go_d) cls_d = 1'b0;   // esp_ip_parse's answer from now on
  end
  // esp_card_state's installed bits: read with every SA store read (inst_i
  // the cycle after: StSaLd, the read ahead's pf_q), and by SA_INSTALL for
  // KEEP_STATE (StCmdInstRd); written by SA_INSTALL and SA_DELETE, never in
  // a cycle that reads (a command reads neither the store nor ahead).
  assign inst_rd_o  = st_rd || a_st_rd || cmd_inst_rd;
  assign inst_idx_o = cmd_inst_rd ? sa_idx_q : st_ridx;

  // The reads ahead of the descriptor behind the head's SA (and its SPI's
  // bucket), in the SA store's and the SPI table's cycles the head leaves.
  esp_sa_ahead #(.MaxSpiBucketsLog2(MaxSpiBucketsLog2), .MaxSas(MaxSas), .OSlots(OSlots)) u_ahead (
    .clk_i, .rst_ni, .run_start_i (run_start_o), .sa_cap_i (sa_cap_q), .log2_i (log2_q),
    .n_enc_i (in_next_enc_i), .n_sa_i (in_next_sa_i), .n_lk_i (in_next_lk_i), .n_spi_i (in_next_spi_i),
    .h_free_i (state_q != StIdle && (state_q == StNext ? !op_cmd : !cmd_q)),
    .h_spi_rd_i (h_spi_rd), .h_st_rd_i (st_rd), .h_go_i (state_d == StNext && in_pop_o), .h_sa_i (sa_idx_d),
    .tail_dec_v_i, .tail_dec_sa_i,
    .spi_rd_o (a_spi_rd), .spi_rd_bucket_o (a_spi_bucket), .spi_bucket_i,
    .st_rd_o (a_st_rd), .st_rd_idx_o (a_st_idx),
    .pf_o (pf_q), .pf_idx_o (pf_idx_q), .pf_lk_o (pf_lk_q), .pf_spi_o (pf_spi_q)
  );
  assign spi_rd_o        = h_spi_rd || a_spi_rd;
  assign spi_rd_bucket_o = h_spi_rd ? h_spi_bucket : a_spi_bucket;

  assign init_ok = init_done_i && st_init;   // esp_card_state and the SA store cleared after a reset
  assign idle_o = state_q == StIdle && init_ok;
  assign run_start_o = state_q == StIdle && start_i && init_ok;

  // the push: the tail's, or the head's own (StCpl, while the tail is idle)
  assign head_push = state_q == StCpl && tail_idle_i;

  logic unused_seq;
  assign unused_seq = ^{mem_rimg_i[ImgW-1:SaBits],
                       d.op, d.in_length[31:PKT_LEN_BITS], d.in_offset, d.rsvd0, cm.op, cm.flags, cm.rsvd0, cm.rsvd1, cm.spi, cm.slot,
                       parse_rsp_i.udp, tr_rsp_i.pad_len, tr_rsp_i.pt_len, aead_rsp_i.sum, aead_rsp_i.dec};

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= StIdle; ret_q <= StIdle; ld_q <= LdNone;
      {m_go_q, parse_go_q, tr_go_q, hb_go_q, st_go_q, stop_q, cmd_q} <= '0;
      cls_q <= 1'b0;
    end else begin
      state_q <= state_d; ret_q <= ret_d; ld_q <= ld_d;
      cls_q <= cls_d;
      {m_go_q, parse_go_q, tr_go_q, hb_go_q, st_go_q, stop_q, cmd_q} <=
        {m_go_d, parse_go_d, tr_go_d, hb_go_d, st_go_d, stop_d, cmd_d};
    end
  end

  // the on-chip state is valid for one run
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) {sa_ok_q, lk_ok_q, spec_q} <= '0;
    else {sa_ok_q, lk_ok_q, spec_q} <= run_start_o ? '0 : {sa_ok_d, lk_ok_d, spec_d};
  end

  always_ff @(posedge clk_i) begin
    if (run_start_o) begin
      a_sa_q <= sa_table_i; a_replay_q <= replay_i; a_st_q <= sa_state_i;
      sa_cap_q <= sa_capacity_i; log2_q <= spi_buckets_log2_i;
    end
  end

  always_ff @(posedge clk_i) begin
    desc_q <= desc_d; sa_q <= sa_d; ctr_q <= ctr_d; top_q <= top_d; seq_q <= seq_d; sa_idx_q <= sa_idx_d;
    ent_q <= ent_d; te_q <= te_d; sa_inst_q <= sa_inst_d; te_ok_q <= te_ok_d; keep_q <= keep_d; st_all_q <= st_all_d;
    lk_spi_q <= lk_spi_d; lk_idx_q <= lk_idx_d; tmax_q <= tmax_d; xing_q <= xing_d;
    status_q <= status_d; soft_q <= soft_d; c_sa_q <= c_sa_d; c_spi_q <= c_spi_d; c_len_q <= c_len_d;
    c_seq_q <= c_seq_d;
    pk_q <= pk_d;
    add_bytes_q <= add_bytes_d; wr_pkt_q <= wr_pkt_d; hslot_q <= hslot_d;
    m_cmd_q <= m_cmd_d; m_addr_q <= m_addr_d; m_len_q <= m_len_d;
    m_wimg_q <= m_wimg_d; m_wmask_q <= m_wmask_d;
    parse_mode_q <= parse_mode_d; parse_avail_q <= parse_avail_d;
  end

endmodule : esp_batch_ctrl

`default_nettype wire
