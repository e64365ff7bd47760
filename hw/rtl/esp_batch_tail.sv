// esp_batch_tail: the tail of the process stage (hw/rtl/DATAPATH.md "The
// process stage across descriptors"). esp_batch_ctrl (the head) decides a
// descriptor up to its esp_aead request and, in the cycle esp_aead takes the
// job, queues here what is left. The tail then, per queued descriptor and in
// order (the answers come in job order, and the head sends esp_aead no job
// of its own while anything is queued here), takes esp_aead's answer and:
//   - ENCRYPT (every check, tx_seq, counters and lifetimes done at the head;
//     nothing fails after NO_SPACE): esp_hdr_build into the descriptor's
//     output slot with the payload sum, then the push of the slot with the
//     completion the head queued, in the cycle esp_hdr_build is done.
//   - DECRYPT (tunnel mode, seq's replay entry the top's, on chip, or seq
//     beyond T in a later entry; the head has done DECRYPT 1-9 with the
//     pre-check against the committed window):
//     the SA's state is the one queued, or (fwd: the DECRYPT before it in the
//     queue is of the same SA) the one that DECRYPT left in this tail's
//     registers; the exact replay re-check against it (check-then-commit: a
//     duplicate of a packet that passed is REPLAY now, REPLAY before
//     AUTH_FAIL as in the contract's order), CONTRACT.md DECRYPT 10
//     (AUTH_FAIL: auth_fail++), 11 (the window commit: T = seq when fresh,
//     seq's bit set in the top's entry; a crossing, seq beyond T in another
//     entry: that entry becomes te = {bit, seq's block} without a read, since
//     an entry of a block above T's holds no bit of it, and the old te goes
//     to card memory, fl_o, posted by the head before the store write),
//     12-13 (BAD_PADDING, DUMMY), 14 (the inner packet: MALFORMED),
//     15 (NO_SPACE) and 16 (packets, bytes, soft lifetime), all in the cycle
//     the answer is taken: esp_aead's answer carries the trailer check and
//     the inner packet's PARSE_IP as esp_dec_watch saw them on its output
//     stream (aead_rsp_t.dec; the plaintext is at byte 0 of the output
//     slot), so nothing reads the slot back; in the same cycle the write of
//     the SA's state record into the SA store and the push (the answer is
//     taken once the head does not write the store). The head reads no SA
//     from the store while a DECRYPT of it is here (dec_v_o / dec_sa_o): it
//     waits, or forwards (fwd) when that DECRYPT was its last.
// idle_o: nothing queued or running.
// The head's esp_hdr_build requests (h_hb_*; transport DECRYPT, finished in
// the head while the tail is idle), SA-store writes and own pushes come
// through here, joined with the tail's.
`default_nettype none

module esp_batch_tail
  import esp_spec_pkg::*;
  import esp_unit_pkg::*;
#(
  parameter int unsigned Depth = 4,        // descriptors queued (at most one per output slot)
  parameter int unsigned OSlotW = 2,
  localparam int unsigned CplW = 8 * COMPLETION_SIZE
) (
  input  wire logic              clk_i,
  input  wire logic              rst_ni,
  output      logic              idle_o,

  // from the head, in the cycle esp_aead takes the job
  input  wire logic              push_i,
  input  wire logic              push_dec_i,     // a DECRYPT (else an ENCRYPT)
  input  wire tail_dec_t         push_dctx_i,
  input  wire logic [OSlotW-1:0] push_oslot_i,
  input  wire hb_req_t           push_hb_i,
  input  wire logic [CplW-1:0]   push_cpl_i,
  input  wire logic [63:0]       push_out_off_i,
  input  wire logic [31:0]       push_out_len_i,
  input  wire logic [31:0]       push_out_cap_i,

  // the DECRYPTs here, by output slot: their SA (the head waits for them)
  output      logic [(1<<OSlotW)-1:0]       dec_v_o,
  output      logic [(1<<OSlotW)-1:0][31:0] dec_sa_o,

  // esp_aead's answers
  input  wire logic              aead_rsp_valid_i,
  output      logic              aead_rsp_ready_o,
  input  wire aead_rsp_t         aead_rsp_i,

  // the head's esp_hdr_build start and request, output slot h_slot_i
  input  wire logic [OSlotW-1:0] h_slot_i,
  input  wire logic              h_hb_i,         // the head has esp_hdr_build (else the tail)
  input  wire logic              h_hb_start_i,
  input  wire hb_req_t           h_hb_req_i,

  // esp_hdr_build (writes output slot obuf_hb_slot_o)
  output      logic              hb_start_o,
  output      hb_req_t           hb_req_o,
  output      logic [OSlotW-1:0] obuf_hb_slot_o,
  input  wire logic              hb_done_i,

  // the SA store's write port: the head's (h_st_*), else the tail's DECRYPT's
  input  wire logic              h_st_we_i,
  input  wire logic              h_st_mark_i,
  input  wire logic [31:0]       h_st_idx_i,
  input  wire sa_state_t         h_st_line_i,
  input  wire replay_entry_t     h_st_te_i,
  input  wire logic [63:0]       h_st_te_off_i,
  input  wire logic              h_st_te_ok_i,
  // a crossing's old te to card memory (with the store write; waits while
  // the head still holds the one before: fl_full_i)
  output      te_flush_t         fl_o,
  input  wire logic              fl_full_i,
  output      logic              st_we_o,
  output      logic              st_mark_o,
  output      logic [31:0]       st_idx_o,
  output      sa_state_t         st_line_o,
  output      replay_entry_t     st_te_o,
  output      logic [63:0]       st_te_off_o,
  output      logic              st_te_ok_o,

  // the write-back stage: the tail's pushes, or the head's own (h_push_i,
  // while the tail is idle; its completion as push_*_i, h_wr_pkt_i)
  input  wire logic              h_push_i,
  input  wire logic              h_wr_pkt_i,
  output      logic              out_push_o,
  output      logic [CplW-1:0]   out_cpl_o,
  output      logic              out_wr_pkt_o,
  output      logic [63:0]       out_offset_o,
  output      logic [31:0]       out_length_o,
  output      logic [31:0]       out_capacity_o
);

  typedef struct packed {
    logic              dec;
    tail_dec_t         dctx;
    logic [OSlotW-1:0] oslot;
    hb_req_t           hb;
    logic [CplW-1:0]   cpl;
    logic [63:0]       out_off;
    logic [31:0]       out_len;
    logic [31:0]       out_cap;
  } tail_t;

  tail_t q_in, q_out;
  logic  q_valid, q_pop, unused_q_wready;
  logic [$clog2(Depth):0] unused_q_count;

  assign q_in = '{dec: push_dec_i, dctx: push_dctx_i, oslot: push_oslot_i, hb: push_hb_i, cpl: push_cpl_i,
                  out_off: push_out_off_i, out_len: push_out_len_i, out_cap: push_out_cap_i};

  esp_fifo_sync #(
    .Width ($bits(tail_t)),
    .Depth (Depth)
  ) u_queue (
    .clk_i,
    .rst_ni,
    .wvalid_i (push_i),
    .wready_o (unused_q_wready),   // never full: one entry per output slot taken
    .wdata_i  (q_in),
    .rvalid_o (q_valid),
    .rready_i (q_pop),
    .rdata_o  (q_out),
    .count_o  (unused_q_count)
  );

  // The DECRYPTs queued or running, by output slot (set at the push, cleared
  // at the tail's push of the completion, a cycle after the store write).
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) dec_v_o <= '0;
    else begin
      if (q_pop && q_out.dec) dec_v_o[q_out.oslot] <= 1'b0;
      if (push_i && push_dec_i) dec_v_o[push_oslot_i] <= 1'b1;
    end
  end
  always_ff @(posedge clk_i) begin
    if (push_i) dec_sa_o[push_oslot_i] <= push_dctx_i.sa_idx;
  end

  // TRsp: waits for the answer of the oldest queued job. ENCRYPT: THdr
  // (esp_hdr_build, started in the cycle of the answer; the push in its
  // done cycle: tunnel mode, the cycle after). DECRYPT: every result, the
  // store write and the push in the cycle of the answer, which is taken
  // once the head does not write the store and no flush is held (its
  // crossing may need one).
  typedef enum logic {TRsp, THdr} tstate_e;
  tstate_e     ts_q, ts_d;
  logic        t_we;
  logic        go_d;
  // a DECRYPT's results in the cycle of its answer (r_*: status, soft
  // lifetime, packet written, the inner packet's length)
  logic [15:0] r_status;
  logic        r_soft, r_wr;
  sa_counters_t  ctr_q, ctr_d;
  logic [63:0]   top_q, top_d;
  replay_entry_t te_q, te_d;
  logic [63:0]   te_off_q, te_off_d;
  logic          r_xc;              // the DECRYPT moves T to another entry
  replay_entry_t r_ote;             // then the old te, at r_ote_off
  logic [63:0]   r_ote_off;
  pkt_len_t      r_len;

  tail_dec_t dc;
  assign dc = q_out.dctx;
  // the SA's state before this DECRYPT: queued, or left by the one before (fwd)
  sa_counters_t  b_ctr;
  logic [63:0]   b_top;
  replay_entry_t b_te;
  logic [63:0]   b_te_off;
  assign b_ctr    = dc.fwd ? ctr_q : dc.ctr;
  assign b_top    = dc.fwd ? top_q : dc.top;
  assign b_te     = dc.fwd ? te_q : dc.te;
  assign b_te_off = dc.fwd ? te_off_q : dc.te_off;

  // the window commit (DECRYPT 11) and the OK packet's counters (DECRYPT 16)
  logic          fresh, unused_old, pass, soft_now, unused_params, unused_hard, unused_full, t_cross;
  logic [15:0]   s_idx, t_idx;
  replay_entry_t commit;
  sa_counters_t  ok_ctr, unused_hard_ctr;
  sa_view_t      lt;
  esp_replay_window u_window (
    .window_bits_i (dc.window_bits), .top_i (b_top), .seq_i (dc.seq),
    .fresh_o (fresh), .old_o (unused_old), .idx_o (s_idx), .top_idx_o (t_idx),
    .entry_i (b_te), .check_pass_o (pass), .commit_o (commit)
  );
  // seq beyond T in another entry (the head sends no DECRYPT whose seq is
  // at or below T in another entry: those read card memory)
  assign t_cross = fresh && s_idx != t_idx;
  always_comb begin
    lt = '0;
    lt.soft_bytes   = dc.soft_bytes;
    lt.soft_packets = dc.soft_packets;
  end
  aead_dec_t ad;
  assign ad = aead_rsp_i.dec;
  esp_sa_checks u_checks (
    .inbound_i (1'b1), .sa_i (lt), .ctr_i (b_ctr), .tx_seq_i (b_top), .add_bytes_i (32'(ad.in_len)),
    .params_ok_o (unused_params), .hard_o (unused_hard), .hard_ctr_o (unused_hard_ctr), .seq_full_o (unused_full),
    .ok_ctr_o (ok_ctr), .soft_o (soft_now)
  );

  localparam logic [7:0] NhNoNext = 8'(NH_NO_NEXT);

  // counter `off` + 1 (the head's bump), then the store write; computed
  // beside the state machine (yosys 0.23 infers a latch for a function's
  // variables when the function is called in only some branches of an
  // always_comb)
  function automatic sa_counters_t bumped(input sa_counters_t c, input int unsigned off);
    sa_counters_t r;
    r = c;
    r[8*off +: 64] = c[8*off +: 64] + 64'd1;
    return r;
  endfunction
  sa_counters_t b_replay, b_auth, b_bad, b_dummy;
  assign b_replay = bumped(b_ctr, SA_COUNTERS_REPLAY_OFFSET);
  assign b_auth   = bumped(b_ctr, SA_COUNTERS_AUTH_FAIL_OFFSET);
  assign b_bad    = bumped(b_ctr, SA_COUNTERS_BAD_PACKET_OFFSET);
  assign b_dummy  = bumped(b_ctr, SA_COUNTERS_DUMMY_OFFSET);

  always_comb begin
    ts_d = ts_q; go_d = 1'b0;
    r_status = STATUS_OK; r_soft = 1'b0; r_wr = 1'b0; r_len = '0;
    ctr_d = ctr_q; top_d = top_q; te_d = te_q; te_off_d = te_off_q;
    r_xc = 1'b0; r_ote = b_te; r_ote_off = b_te_off;
    aead_rsp_ready_o = 1'b0; q_pop = 1'b0; t_we = 1'b0;
    unique case (ts_q)
      TRsp: if (q_valid && (!q_out.dec || (!h_st_we_i && !fl_full_i))) begin
        aead_rsp_ready_o = 1'b1;
        if (aead_rsp_valid_i) begin
          if (!q_out.dec) begin
            go_d = 1'b1; ts_d = THdr;
          end else begin
            t_we = 1'b1; q_pop = 1'b1;   // (the state record and the push: the _d values)
            ctr_d = b_ctr; top_d = b_top; te_d = b_te; te_off_d = b_te_off;
            if (!pass) begin   // DECRYPT 9 again, exact
              ctr_d = b_replay; r_status = STATUS_REPLAY;
            end else if (!aead_rsp_i.auth_ok) begin   // DECRYPT 10
              ctr_d = b_auth; r_status = STATUS_AUTH_FAIL;
            end else begin   // DECRYPT 11
              te_d = commit;   // (a crossing: {bit, block}, b_te's block is another one)
              if (fresh) top_d = dc.seq;
              if (t_cross) begin
                r_xc = 1'b1; te_off_d = dc.ent_off;
              end
              // DECRYPT 12, 13 (a dummy packet: nothing delivered), 14, 15, 16
              if (!ad.trl_ok) begin
                ctr_d = b_bad; r_status = STATUS_BAD_PADDING;
              end else if (ad.nh == NhNoNext) begin
                ctr_d = b_dummy; r_status = STATUS_DUMMY;
              end else if ((ad.nh != IP_PROTO_IPV4 && ad.nh != IP_PROTO_IPV6) || ad.in_status != STATUS_OK) begin
                ctr_d = b_bad; r_status = STATUS_MALFORMED;
              end else begin
                r_len = ad.in_len;
                if (32'(ad.in_len) > q_out.out_cap) r_status = STATUS_NO_SPACE;
                else begin
                  ctr_d = ok_ctr; r_soft = soft_now; r_wr = 1'b1;
                end
              end
            end
          end
        end
      end
      THdr: if (hb_done_i) begin
        q_pop = 1'b1; ts_d = TRsp;
      end
      default: ts_d = TRsp;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) ts_q <= TRsp;
    else         ts_q <= ts_d;
  end

  always_ff @(posedge clk_i) begin
    ctr_q <= ctr_d; top_q <= top_d; te_q <= te_d; te_off_q <= te_off_d;
  end

  // ENCRYPT: esp_hdr_build (the head's: transport DECRYPT in the head),
  // started with the answer (its payload sum)
  hb_req_t t_hb;
  always_comb begin
    t_hb             = q_out.hb;
    t_hb.payload_sum = aead_rsp_i.sum;
  end
  assign hb_start_o     = h_hb_start_i | go_d;
  assign hb_req_o       = h_hb_i ? h_hb_req_i : t_hb;
  assign obuf_hb_slot_o = h_hb_i ? h_slot_i : q_out.oslot;

  // DECRYPT: the state record (te: T's entry, seq's; moved by a crossing)
  assign st_we_o             = h_st_we_i | t_we;
  assign st_mark_o           = h_st_mark_i | t_we;
  assign st_idx_o            = t_we ? dc.sa_idx : h_st_idx_i;
  assign st_line_o.counters  = t_we ? ctr_d : h_st_line_i.counters;
  assign st_line_o.seq       = t_we ? top_d : h_st_line_i.seq;
  assign st_te_o             = t_we ? te_d : h_st_te_i;
  assign st_te_off_o         = t_we ? te_off_d : h_st_te_off_i;
  assign fl_o                = '{v: t_we && r_xc, off: r_ote_off, te: r_ote};
  assign st_te_ok_o          = t_we | h_st_te_ok_i;

  completion_t cpl_dec;
  always_comb begin
    cpl_dec = completion_t'(q_out.cpl);
    cpl_dec.status = r_status;
    cpl_dec.out_length = r_wr ? 32'(r_len) : '0;
    cpl_dec.flags[COMPLETION_FLAGS_SOFT_EXPIRED_BIT] = r_soft;
  end

  assign out_push_o     = h_push_i | q_pop;
  assign out_cpl_o      = h_push_i ? push_cpl_i : (q_out.dec ? cpl_dec : q_out.cpl);
  assign out_wr_pkt_o   = h_push_i ? h_wr_pkt_i : (q_out.dec ? r_wr : 1'b1);
  assign out_offset_o   = h_push_i ? push_out_off_i : q_out.out_off;
  assign out_length_o   = h_push_i ? push_out_len_i : (q_out.dec ? 32'(r_len) : q_out.out_len);
  assign out_capacity_o = h_push_i ? push_out_cap_i : q_out.out_cap;

  assign idle_o = !q_valid && ts_q == TRsp;

  logic unused_tail;
  assign unused_tail = ^{q_out.hb.payload_sum, unused_old, unused_params,
                         unused_hard, unused_full, unused_hard_ctr, ad.in_slow};

endmodule : esp_batch_tail

`default_nettype wire
