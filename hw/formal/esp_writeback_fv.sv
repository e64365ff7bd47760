// esp_writeback_fv: the write-back stage (esp_writeback, hw/rtl) checked by
// hw/formal/run_formal.py (yosys-smtbmc, bounded from reset), with 2 output
// slots, chunks of one beat and a completion ring of 1 to 8 slots.
//
// The environment starts one run right after reset, takes free output slots
// (alloc_i only while alloc_ready_o) and pushes the taken ones in order,
// each with a completion image whose low byte is its push number (so order,
// loss and duplicates show) and an output packet of 1..3 beats or none;
// it takes the write jobs at will (in the cycle of their pulse or later, as
// esp_mem_access does) and answers the taken ones in order.
// A reference model in this wrapper (the pushed descriptors, oldest first,
// the bytes of the oldest's packet already taken, the kinds of the writes
// waiting for their answer) says what must happen:
//   - every write job is the next one of the oldest pushed descriptor: its
//     packet in chunks (address pkt_out + out_offset + 64 k, the chunk's
//     length, the buffer word), then exactly one completion at slot
//     (ring_first + i) mod 2^ring_log2 of cpl_ring with the descriptor's
//     image: none lost, none twice, none out of order, no packet write for
//     a descriptor without one; a job is offered as a one-cycle pulse
//     (mem_valid_o) and held (command, address, length) until taken, with
//     no new one before;
//   - two completions per beat: a completion is held (cpl_hold_o) only when
//     it starts a beat, is not the ring's last slot, none is held already
//     and either it is its packet's last chunk's turn (taken now) or it has
//     no packet, no job of it is offered and the next descriptor is pushed;
//     its slot is free from then on; it is always held at its packet's last
//     chunk when it starts a beat (and is not the ring's last, none held); a
//     held one is written with the next descriptor's completion, after that
//     one's packet, in one write of one beat at the held one's address (held
//     one first), or alone (one completion at its address, its own image)
//     when nothing was pushed behind it, and then only once its packet's
//     beats are out of the buffer (obuf_busy_i of its slot, driven by the
//     environment at will, low the cycle before), and then at once: held,
//     nothing pushed, nothing offered and its slot not busy means the write
//     is offered in the next cycle;
//   - CPL_PROD (cpl_prod_o) = ring_first + the completions answered (two for
//     a write of two), and cpl_inc_o pulses exactly on a completion write's
//     answer (a packet's answer never counts);
//   - the slot credit: a slot is offered (alloc_ready_o) exactly when fewer
//     than Slots are taken or full, the slots go round in order, and the
//     slot written out (drain_slot_o) is the oldest pushed one;
//   - idle_o exactly when nothing is taken, pushed or waiting for an answer.
`default_nettype none

module esp_writeback_fv
  import esp_spec_pkg::*;
  import esp_mem_pkg::*;
(
  input wire logic        clk_i,
  input wire logic        rst_ni,
  input wire logic        start_i,
  input wire logic [63:0] cpl_ring_i,
  input wire logic [63:0] pkt_out_i,
  input wire logic [1:0]  obuf_busy_i,
  input wire logic [31:0] ring_first_i,
  input wire logic [1:0]  ring_log2_i,
  input wire logic        alloc_i,
  input wire logic        push_i,
  input wire logic [8*COMPLETION_SIZE-1:0] push_cpl_i,
  input wire logic        push_wr_pkt_i,
  input wire logic [63:0] push_out_off_i,
  input wire logic [31:0] push_out_len_i,
  input wire logic [31:0] push_out_cap_i,
  input wire logic        mem_acc_i,
  input wire logic        mem_wdone_i
);
  localparam int unsigned Slots = 2;
  localparam int unsigned Sw = 1;
  localparam int unsigned Aw = 4;
  localparam int unsigned NB = PKT_BUS_BYTES;
  localparam int unsigned Dw = 8 * NB;
  localparam int unsigned CplW = 8 * COMPLETION_SIZE;
  localparam int unsigned MaxLen = 3 * NB;
  localparam int unsigned Q = 8;         // answers awaited, at most (model)

  logic             idle, cpl_inc, cpl_hold, alloc_ready, mem_valid;
  logic [31:0]      cpl_prod, mem_len, mem_cap;
  logic [Sw-1:0]    alloc_slot, drain_slot;
  logic [Slots-1:0] full;
  mem_cmd_e         mem_cmd;
  logic [63:0]      mem_addr;
  logic [Aw-1:0]    mem_base;
  logic [Dw-1:0]    mem_wimg;
  logic [NB-1:0]    mem_wmask;
  logic [31:0]      ring_mask;
  assign ring_mask = (32'd1 << ring_log2_i) - 32'd1;

  esp_writeback #(.Slots(Slots), .ChunkBeats(1), .Aw(Aw)) dut (
    .clk_i,
    .rst_ni,
    .start_i,
    .cpl_ring_i,
    .pkt_out_i,
    .obuf_busy_i,
    .ring_first_i,
    .ring_mask_i    (ring_mask),
    .idle_o         (idle),
    .cpl_prod_o     (cpl_prod),
    .cpl_inc_o      (cpl_inc),
    .cpl_hold_o     (cpl_hold),
    .alloc_ready_o  (alloc_ready),
    .alloc_slot_o   (alloc_slot),
    .alloc_i,
    .push_i,
    .push_cpl_i,
    .push_wr_pkt_i,
    .push_out_off_i,
    .push_out_len_i,
    .push_out_cap_i,
    .full_o         (full),
    .drain_slot_o   (drain_slot),
    .mem_valid_o    (mem_valid),
    .mem_cmd_o      (mem_cmd),
    .mem_addr_o     (mem_addr),
    .mem_len_o      (mem_len),
    .mem_cap_o      (mem_cap),
    .mem_base_o     (mem_base),
    .mem_wimg_o     (mem_wimg),
    .mem_wmask_o    (mem_wmask),
    .mem_acc_i,
    .mem_wdone_i
  );

  // ---------------------------------------------------------------- model
  typedef struct packed {
    logic [7:0]  tag;
    logic        wr_pkt;
    logic [63:0] off;
    logic [31:0] len;
    logic [31:0] cap;
  } ent_t;

  logic          go_q;
  logic [63:0]   a_cpl_q, a_out_q;
  logic [31:0]   first_q, mask_q;
  logic [7:0]    n_alloc_q, n_push_q, n_done_q;  // slots taken, pushed, completions taken
  logic [31:0]   n_ans_q;                        // completions answered
  ent_t          pq0_q, pq1_q;                   // pushed, oldest first (Slots = 2)
  logic [1:0]    pn_q;
  logic [31:0]   sent_q;                         // packet bytes of pq_q[0] taken
  logic [Q-1:0]  kind_q;                         // awaited answers, oldest in bit 0: 1 = completion
  logic [Q-1:0]  two_q;                          // ... 1 = a write of two completions
  logic [3:0]    kn_q;
  logic          held_q;                         // a completion is held
  logic [7:0]    held_tag_q;
  logic [63:0]   held_addr_q;
  logic [Sw-1:0] held_slot_q;                    // its output slot
  logic          pn0_prev_q;                     // nothing was pushed (not yet written) the cycle before
  logic          busy_prev_q;                    // the held one's slot was busy the cycle before
  logic          solo_q;                         // the offered job is a held completion alone
  logic          must_go_q;                      // a held one alone must be offered now

  logic [1:0]    taken;                          // taken, not pushed
  logic          acc, acc_cpl, acc_solo, ans, ans_cpl, pop, last_chunk, can_pair0, can_pair;
  logic          solo_now, solo_vis;
  logic [31:0]   oslot;                          // the oldest's ring slot
  logic [63:0]   oaddr;                          // ... its completion's address
  ent_t          h, pushed;
  logic [31:0]   rest, chunk;
  assign taken   = 2'(n_alloc_q - n_push_q);
  assign h       = pq0_q;
  assign rest    = h.len - sent_q;
  assign chunk   = (rest > 32'(NB)) ? 32'(NB) : rest;
  logic          pend_q;                         // a job offered, not yet taken
  logic          cmd_vis;                        // a job is offered (now or before)
  assign cmd_vis = mem_valid || pend_q;
  assign acc     = mem_acc_i;
  // a held completion alone: offered when nothing was pushed the cycle before
  assign solo_now = mem_valid && held_q && pn0_prev_q;
  assign solo_vis = solo_now || (pend_q && solo_q);
  assign acc_solo = acc && solo_vis;
  // the oldest's next write is its completion once its packet is all taken
  assign acc_cpl = acc && !solo_vis && (!h.wr_pkt || sent_q >= h.len);
  assign ans     = mem_wdone_i && kn_q != '0;
  assign ans_cpl = ans && kind_q[0];
  assign pop     = acc_cpl || cpl_hold;
  assign oslot   = (first_q + 32'(n_done_q)) & mask_q;
  assign oaddr   = a_cpl_q + (64'(oslot) << $clog2(COMPLETION_SIZE));
  // the oldest's last chunk is taken now
  assign last_chunk = acc && h.wr_pkt && sent_q < h.len && sent_q + 32'(NB) >= h.len;
  // its completion may be held: it starts a beat, the next slot is in that
  // beat, none is held (can_pair0); and the next descriptor is pushed
  assign can_pair0 = !held_q && oaddr[$clog2(NB)-1:0] == '0 && oslot != mask_q;
  assign can_pair  = can_pair0 && pn_q >= 2'd2;
  assign pushed  = '{tag: push_cpl_i[7:0], wr_pkt: push_wr_pkt_i, off: push_out_off_i,
                     len: push_out_len_i, cap: push_out_cap_i};

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      go_q <= 1'b0;
      {n_alloc_q, n_push_q, n_done_q} <= '0;
      n_ans_q <= '0;
      pn_q <= '0;
      sent_q <= '0;
      kind_q <= '0;
      two_q <= '0;
      kn_q <= '0;
      held_q <= 1'b0;
      pend_q <= 1'b0;
      pn0_prev_q <= 1'b1;
      busy_prev_q <= 1'b0;
      solo_q <= 1'b0;
      must_go_q <= 1'b0;
    end else begin
      pend_q <= cmd_vis && !mem_acc_i;
      pn0_prev_q <= pn_q == '0;
      busy_prev_q <= obuf_busy_i[held_slot_q];
      solo_q <= solo_vis;
      must_go_q <= held_q && pn_q == '0 && !cmd_vis && !obuf_busy_i[held_slot_q];
      if (start_i) begin
        go_q <= 1'b1;
        a_cpl_q <= cpl_ring_i;
        a_out_q <= pkt_out_i;
        first_q <= ring_first_i;
        mask_q  <= ring_mask;
      end
      if (alloc_i) n_alloc_q <= n_alloc_q + 8'd1;
      if (push_i) n_push_q <= n_push_q + 8'd1;
      if (pop) n_done_q <= n_done_q + 8'd1;
      if (ans_cpl) n_ans_q <= n_ans_q + (two_q[0] ? 32'd2 : 32'd1);
      if (cpl_hold) begin
        held_q <= 1'b1;
        held_tag_q <= h.tag;
        held_addr_q <= oaddr;
        held_slot_q <= Sw'(n_done_q);
      end else if (acc_cpl || acc_solo) held_q <= 1'b0;
      // the pushed queue: the oldest leaves with its completion, or when it
      // is held
      if (pop) begin
        pq0_q  <= pq1_q;
        sent_q <= '0;
      end else if (acc && !solo_vis) sent_q <= sent_q + 32'(NB);
      if (push_i) begin
        if (pn_q - (pop ? 2'd1 : 2'd0) == 2'd0) pq0_q <= pushed;
        else pq1_q <= pushed;
      end
      pn_q <= pn_q + (push_i ? 2'd1 : 2'd0) - (pop ? 2'd1 : 2'd0);
      // awaited answers, in order
      kind_q <= ans ? (kind_q >> 1) : kind_q;
      two_q  <= ans ? (two_q >> 1) : two_q;
      if (acc) kind_q[4'(kn_q - (ans ? 4'd1 : 4'd0))] <= acc_cpl || acc_solo;
      if (acc) two_q[4'(kn_q - (ans ? 4'd1 : 4'd0))] <= acc_cpl && held_q;
      kn_q <= kn_q + (acc ? 4'd1 : 4'd0) - (ans ? 4'd1 : 4'd0);
    end
  end

`ifdef FORMAL
  initial assume (!rst_ni);

  // the environment
  always @(*) begin
    if (rst_ni) begin
      assume (start_i == !go_q);
      if (!go_q) assume (!alloc_i && !push_i && !mem_acc_i && !mem_wdone_i);
      if (alloc_i) assume (alloc_ready);
      if (push_i) assume (taken != '0);
      if (push_i) assume (push_cpl_i[7:0] == n_push_q);
      // (narrower than the ports, to keep the proof small: the address sums
      // are the same logic at any width; the image's other bytes are data)
      assume (push_cpl_i[8*COMPLETION_SIZE-1:8] == '0);
      assume (push_out_off_i[63:12] == '0 && cpl_ring_i[63:16] == '0 && pkt_out_i[63:16] == '0);
      assume (push_out_cap_i[31:12] == '0);
      if (push_i && push_wr_pkt_i) assume (push_out_len_i != '0 && push_out_len_i <= MaxLen);
      if (mem_acc_i) assume (cmd_vis);
      if (mem_wdone_i) assume (kn_q != '0);
      assume (kn_q < 4'(Q) || !mem_acc_i);
    end
  end

  mem_cmd_e    cmd_q;
  logic [63:0] addr_q;
  logic [31:0] len_q;
  always_ff @(posedge clk_i) begin
    cmd_q <= mem_cmd; addr_q <= mem_addr; len_q <= mem_len;
  end

  always @(posedge clk_i) begin
    if (rst_ni && go_q && !start_i) begin
      // a job offered is held until taken, with no new offer before
      if (pend_q) assert (!mem_valid && mem_cmd == cmd_q && mem_addr == addr_q && mem_len == len_q);
      // a held completion alone: its own image at its address, only once its
      // packet's beats are out, and at once then
      if (solo_vis) begin
        assert (held_q);
        assert (mem_cmd == CmdWrStruct);
        assert (mem_addr == held_addr_q);
        assert (mem_len == 32'(COMPLETION_SIZE));
        assert (mem_wimg[7:0] == held_tag_q);
        assert (mem_wmask == NB'({COMPLETION_SIZE{1'b1}}));
      end
      if (solo_now) assert (!busy_prev_q);
      if (must_go_q) assert (mem_valid);
      // otherwise only the oldest pushed descriptor's writes, in their order
      if (cmd_vis && !solo_vis) begin
        assert (pn_q != '0);
        if (h.wr_pkt && sent_q < h.len) begin
          assert (mem_cmd == CmdWrPkt);
          assert (mem_addr == a_out_q + h.off + 64'(sent_q));
          assert (mem_len == chunk);
          assert (mem_cap == h.cap - sent_q);
          assert (32'(mem_base) == sent_q / 32'(NB));
        end else if (held_q) begin
          // the held completion and the oldest's, in one beat
          assert (mem_cmd == CmdWrStruct);
          assert (mem_addr == held_addr_q);
          assert (mem_len == 32'(2 * COMPLETION_SIZE));
          assert (mem_wimg[7:0] == held_tag_q);
          assert (mem_wimg[CplW +: 8] == h.tag);
          assert (mem_wmask == {NB{1'b1}});
        end else begin
          assert (mem_cmd == CmdWrStruct);
          assert (mem_addr == oaddr);
          assert (mem_len == 32'(COMPLETION_SIZE));
          assert (mem_wimg[7:0] == h.tag);
          assert (mem_wmask == NB'({COMPLETION_SIZE{1'b1}}));
        end
      end
      // a completion is held only when it may be: its packet's last chunk
      // now, or no packet, no job of it offered and the next one pushed
      if (cpl_hold) begin
        assert (can_pair0 && pn_q != '0);
        assert (h.wr_pkt ? last_chunk : (!cmd_vis && can_pair));
      end
      // and always at its packet's last chunk when it may be
      if (last_chunk && can_pair0) assert (cpl_hold);
      // CPL_PROD: the completions answered
      assert (cpl_prod == first_q + n_ans_q);
      assert (cpl_inc == ans_cpl);
      // the slot credit, round in order; the oldest pushed slot is written out
      assert (alloc_ready == (32'(taken) + 32'(pn_q) < Slots));
      assert (alloc_slot == Sw'(n_alloc_q));
      if (pn_q != '0) assert (drain_slot == Sw'(n_done_q));
      for (int s = 0; s < Slots; s++) begin
        assert (full[s] == (Sw'(s - 32'(n_done_q)) < Sw'(pn_q) || 32'(pn_q) == Slots));
      end
      assert (idle == (taken == '0 && pn_q == '0 && kn_q == '0 && !held_q));
    end
  end
`endif

endmodule : esp_writeback_fv

`default_nettype wire
