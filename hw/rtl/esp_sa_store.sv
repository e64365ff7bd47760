// esp_sa_store: the installed SAs on chip (CONTRACT.md "The card's own
// state": the card may hold an installed SA's entry, state line and replay
// entries until STATE_SYNC / SA_DELETE / STOP write them back), for the
// sequencer (esp_batch_ctrl, hw/rtl/DATAPATH.md "The SA store").
//
// Per SA index below MaxSas, in RAMs with one synchronous read port and one
// write port (no reset: BRAM / URAM):
//   - the entry's fields the sequencer uses (sa_read_bytes(): SaBits);
//   - the state record: the state line (sa_state_t), the replay ring entry
//     that holds the top T of an inbound SA (te: its {bits, block} as card
//     memory would hold it), te's byte offset in the replay area
//     (replay_offset + 16 * index) and te_ok (the SA has a ring: inbound,
//     VALID, usable parameters).
// Beside them two bit arrays in block RAM (esp_bitmap: read-modify-write,
// the bit known the cycle after), cleared by a sweep after a reset
// (init_done_o): dirty (the record changed since it was last written back)
// and listed (the index is in the dirty list, a FIFO of SA indices in a RAM:
// every index at most once, so STOP costs one write-back per dirty SA, never
// a scan; an index is pushed the cycle after the write that marks it).
//
// Ports:
//   rd_i, rd_idx_i        read SA rd_idx_i: ent_o, line_o, te_o, te_ok_o the next cycle
//   idx_i                 the SA of the writes below (the sequencer's current one)
//   ent_we_i, ent_i       its entry
//   we_i, line_i, te_*_i  its state record; with mark_i it is dirty (and
//                         listed), with clean_i clean (as in card memory)
//   wb_i, wb_all_i        write back SA idx_i if dirty, or (wb_all_i) every
//                         dirty SA of the list; wb_done_o pulses once the last
//                         write has been taken (the sequencer waits for the
//                         responses). While it runs the store owns its RAM
//                         ports (the sequencer makes no request).
//   p_* -> mem_*          the sequencer's card-memory commands (esp_mem_access's
//                         process client) pass through, except while the
//                         write-back runs: then its writes (CmdWrStruct, a
//                         registered pulse, fields held until mem_acc_i): the
//                         line at st_base_i + 64 * idx, te at rp_base_i + te_off.
`default_nettype none

module esp_sa_store
  import esp_spec_pkg::*;
  import esp_mem_pkg::*;
#(
  parameter int unsigned MaxSas = 65536,
  parameter int unsigned SaBits = 1280,
  localparam int unsigned Iw = $clog2(MaxSas),
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES
) (
  input  wire logic              clk_i,
  input  wire logic              rst_ni,
  output      logic              init_done_o,

  input  wire logic              rd_i,
  input  wire logic [31:0]       rd_idx_i,
  output      logic [SaBits-1:0] ent_o,
  output      sa_state_t         line_o,
  output      replay_entry_t     te_o,
  output      logic              te_ok_o,

  input  wire logic [31:0]       idx_i,
  input  wire logic              ent_we_i,
  input  wire logic [SaBits-1:0] ent_i,
  input  wire logic              we_i,
  input  wire sa_state_t         line_i,
  input  wire replay_entry_t     te_i,
  input  wire logic [63:0]       te_off_i,
  input  wire logic              te_ok_i,
  input  wire logic              mark_i,
  input  wire logic              clean_i,

  input  wire logic              wb_i,
  input  wire logic              wb_all_i,
  output      logic              wb_done_o,
  input  wire logic [63:0]       st_base_i,
  input  wire logic [63:0]       rp_base_i,
  input  wire logic              p_valid_i,
  input  wire mem_cmd_e          p_cmd_i,
  input  wire logic [63:0]       p_addr_i,
  input  wire logic [Dw-1:0]     p_wimg_i,
  input  wire logic [PKT_BUS_BYTES-1:0] p_wmask_i,
  output      logic              mem_valid_o,
  output      mem_cmd_e          mem_cmd_o,
  output      logic [63:0]       mem_addr_o,
  output      logic [Dw-1:0]     mem_wimg_o,
  output      logic [PKT_BUS_BYTES-1:0] mem_wmask_o,
  input  wire logic              mem_acc_i
);

  typedef struct packed {
    sa_state_t     line;
    replay_entry_t te;
    logic [63:0]   te_off;
    logic          te_ok;
  } rec_t;

  // ------------------------------------------------------------- the RAMs
  // (plain vectors: yosys 0.23 reads an array of a struct type as one struct)
  logic [SaBits-1:0] ent_mem [MaxSas];
  logic [$bits(rec_t)-1:0] rec_mem [MaxSas];
  rec_t              rec_q, rec_w;
  logic [Iw-1:0]     ra, wa;
  logic              re;

  // the write-back's state (a pipeline: see "write-back" below)
  typedef enum logic [1:0] {WIdle, WRun, WDone} wstate_e;
  wstate_e        ws_q, ws_d;
  logic           all_q, all_d;
  logic           c_v_q, c_v_d;   // stage C holds an index: wi_q (one SA) or list_q (the list)
  logic [Iw-1:0]  wi_q, wi_d;
  logic [Iw-1:0]  c_idx;          // stage C's SA
  logic           c_adv;          // stage C reads its record and checks its dirty bit this cycle
  logic           w_v_q, w_v_d, w_line_q, w_line_d;   // stage W: rec_q to write (its line still to go)
  logic           w_chk_q, w_chk_d;                   // W's first cycle: the dirty bit (b_dirty) decides
  logic           w_live;                             // W holds a write
  logic [Iw-1:0]  w_idx_q, w_idx_d;

  assign ra = (ws_q == WIdle) ? Iw'(rd_idx_i) : c_idx;
  assign re = (ws_q == WIdle) ? rd_i : c_adv;
  assign wa = Iw'(idx_i);
  assign rec_w = '{line: line_i, te: te_i, te_off: te_off_i, te_ok: te_ok_i};

  always_ff @(posedge clk_i) begin
    if (ent_we_i) ent_mem[wa] <= ent_i;
    if (we_i) rec_mem[wa] <= rec_w;
    if (re) begin
      ent_o <= ent_mem[ra];
      rec_q <= rec_t'(rec_mem[ra]);
    end
  end
  assign line_o   = rec_q.line;
  assign te_o     = rec_q.te;
  assign te_ok_o  = rec_q.te_ok;

  // ------------------------------------------------- dirty and listed bits
  // dirty: set by mark_i, cleared by clean_i or by the write-back's check of
  // c_idx (b_dirty: the bit before, the cycle after; never together: the
  // sequencer waits while it runs); listed: set by a marking write (mk_q,
  // l_q the cycle after: pushed unless it was set), cleared by a pop (pop_clr).
  logic          d_init, l_init, d_op, l_op, b_dirty, l_q, mk_q;
  logic [Iw-1:0] wa_q;
  logic          push, pop_clr;
  logic [Iw-1:0] pop_idx;

  assign d_op = (we_i && (mark_i || clean_i)) || c_adv;
  esp_bitmap #(.Bits (MaxSas)) u_dirty (
    .clk_i, .rst_ni, .init_done_o (d_init),
    .op_i (d_op), .idx_i (c_adv ? c_idx : wa), .wr_i (1'b1), .val_i (!c_adv && mark_i), .q_o (b_dirty)
  );
  assign l_op = (we_i && mark_i) || pop_clr;
  esp_bitmap #(.Bits (MaxSas)) u_listed (
    .clk_i, .rst_ni, .init_done_o (l_init),
    .op_i (l_op), .idx_i (pop_clr ? pop_idx : wa), .wr_i (1'b1), .val_i (!pop_clr), .q_o (l_q)
  );
  assign init_done_o = d_init && l_init;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) mk_q <= 1'b0;
    else mk_q <= we_i && mark_i;
  end
  always_ff @(posedge clk_i) wa_q <= wa;
  assign push = mk_q && !l_q;

  // ------------------------------------------------------------ dirty list
  logic [Iw-1:0] list_mem [MaxSas];
  logic [Iw-1:0] wp_q, rp_q, list_q;
  logic [Iw:0]   cnt_q;
  logic          pop;
  assign pop_idx = list_q;

  always_ff @(posedge clk_i) begin
    if (push) list_mem[wp_q] <= wa_q;
    if (pop) list_q <= list_mem[rp_q];
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wp_q <= '0; rp_q <= '0; cnt_q <= '0;
    end else begin
      if (push) wp_q <= wp_q + 1'b1;
      if (pop) rp_q <= rp_q + 1'b1;
      cnt_q <= cnt_q + (Iw+1)'(push) - (Iw+1)'(pop);
    end
  end

  // ------------------------------------------------------------ write-back
  // A pipeline, one SA per cycle while the write engine takes a write per
  // cycle (issue 14: STOP after a run of n SAs was about 4 cycles per SA,
  // 5.5 for an inbound one, in the walk's own states):
  //   P  (the list) pop the next listed index: list_q the next cycle;
  //   C  the index known (list_q, or idx_i for one SA): its record is read
  //      (rec_q the next cycle) and its dirty bit checked and cleared (and,
  //      for the list, its listed bit);
  //   W  (its first cycle, w_chk_q: a clean SA goes no further, b_dirty)
  //      rec_q: its line written, then (te_ok) te; one write per cycle, the
  //      next issued in the cycle the one before is taken.
  // C reads only when W lets go of rec_q in the same cycle (its last write
  // issued), P pops only when C moves on. The sequencer makes no request
  // and writes nothing meanwhile, so C's bit updates meet no other write.
  logic           m_go_q, m_go_d;
  logic [63:0]    m_addr_q, m_addr_d;
  logic [Dw-1:0]  m_img_q, m_img_d;
  logic [PKT_BUS_BYTES-1:0] m_mask_q, m_mask_d;
  logic           m_wait_q, m_wait_d;   // a write not yet taken
  logic           can_issue, w_free;

  assign c_idx     = all_q ? list_q : wi_q;
  assign can_issue = !m_wait_q || mem_acc_i;   // no write waiting, or it is taken this cycle
  assign w_live    = w_v_q && (!w_chk_q || b_dirty);
  // W has nothing left after this cycle
  assign w_free    = !w_live || (can_issue && !(w_line_q && rec_q.te_ok));
  assign c_adv     = ws_q == WRun && c_v_q && w_free;
  assign pop       = ws_q == WRun && all_q && cnt_q != '0 && (!c_v_q || c_adv);
  assign pop_clr   = c_adv && all_q;

  always_comb begin
    ws_d = ws_q; all_d = all_q; wi_d = wi_q;
    c_v_d = c_v_q; w_v_d = w_live; w_line_d = w_line_q; w_idx_d = w_idx_q; w_chk_d = 1'b0;
    m_go_d = 1'b0; m_addr_d = m_addr_q; m_img_d = m_img_q; m_mask_d = m_mask_q;
    m_wait_d = m_wait_q & !mem_acc_i;
    wb_done_o = 1'b0;
    // W: the line, then te
    if (ws_q == WRun && w_live && can_issue) begin
      m_go_d = 1'b1; m_wait_d = 1'b1;
      if (w_line_q) begin
        m_addr_d = st_base_i + (64'(w_idx_q) << $clog2(SA_STATE_SIZE));
        m_img_d = Dw'(rec_q.line); m_mask_d = '1;
        w_line_d = 1'b0;
        w_v_d = rec_q.te_ok;
      end else begin
        m_addr_d = rp_base_i + rec_q.te_off;
        m_img_d = Dw'(rec_q.te); m_mask_d = PKT_BUS_BYTES'({REPLAY_ENTRY_SIZE{1'b1}});
        w_v_d = 1'b0;
      end
    end
    // C -> W
    if (c_adv) begin
      c_v_d = 1'b0;
      w_v_d = 1'b1; w_chk_d = 1'b1; w_line_d = 1'b1; w_idx_d = c_idx;
    end
    // P -> C
    if (pop) c_v_d = 1'b1;
    unique case (ws_q)
      WIdle: if (wb_i) begin
        all_d = wb_all_i; wi_d = wa; c_v_d = !wb_all_i; w_v_d = 1'b0;
        ws_d = WRun;
      end
      WRun: if (!c_v_q && !w_live && (!all_q || cnt_q == '0)) ws_d = WDone;
      WDone: if (!m_wait_q && !m_go_q) begin
        wb_done_o = 1'b1; ws_d = WIdle;
      end
      default: ws_d = WIdle;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ws_q <= WIdle; m_go_q <= 1'b0; m_wait_q <= 1'b0; c_v_q <= 1'b0; w_v_q <= 1'b0; w_chk_q <= 1'b0;
    end else begin
      ws_q <= ws_d; m_go_q <= m_go_d; m_wait_q <= m_wait_d; c_v_q <= c_v_d; w_v_q <= w_v_d; w_chk_q <= w_chk_d;
    end
  end
  always_ff @(posedge clk_i) begin
    all_q <= all_d; wi_q <= wi_d; w_line_q <= w_line_d; w_idx_q <= w_idx_d;
    m_addr_q <= m_addr_d; m_img_q <= m_img_d; m_mask_q <= m_mask_d;
  end

  logic wb_on;
  assign wb_on       = ws_q != WIdle;
  assign mem_valid_o = m_go_q | p_valid_i;
  assign mem_cmd_o   = wb_on ? CmdWrStruct : p_cmd_i;
  assign mem_addr_o  = wb_on ? m_addr_q : p_addr_i;
  assign mem_wimg_o  = wb_on ? m_img_q : p_wimg_i;
  assign mem_wmask_o = wb_on ? m_mask_q : p_wmask_i;

  logic unused_st;
  assign unused_st = ^{rd_idx_i[31:Iw], idx_i[31:Iw]};

endmodule : esp_sa_store

`default_nettype wire
