// esp_pkt_stream_fv: the ticket and input-ring allocator of esp_pkt_stream
// (hw/rtl), checked by hw/formal/run_formal.py (yosys-smtbmc, bounded from
// reset), with 4 tickets and a ring of 16 words.
//
// The environment starts one run right after reset, offers descriptors
// (ENCRYPT, DECRYPT or NOP, well formed, held until taken), accepts packet
// reads at will and completes the accepted ones in order (wdone_i), pops
// the head at will, and releases each ticket once, at will: with its pop
// (pop_rel_i) or on its own (rel_i, any ticket held, before or after its
// pop, in any order). A reference model in this wrapper (the tickets
// held, oldest first, with their run sizes from the contract: the packet
// and an ENCRYPT's trailer of at most ESP_ALIGN - 1 + ESP_TRAILER_BYTES
// bytes, none without a packet read) says what must happen: a ticket and
// its run are held until it is popped AND released, and come back in
// ticket order (the oldest held once it is both, one a cycle); a
// descriptor is taken exactly when a ticket is free, its run fits beside
// the runs held and no earlier read waits; its run starts where the
// previous one ended (so held runs never overlap: no ring word is given
// again before its ticket is released) and base_o shows it while the
// ticket is held; the tickets and words held never exceed the ring (the
// credits never underflow); the reads go out in order with the
// descriptor's address, length and ticket; the head is valid exactly when
// its read is done (or it has none).
`default_nettype none

module esp_pkt_stream_fv
  import esp_spec_pkg::*;
(
  input wire logic                          clk_i,
  input wire logic                          rst_ni,
  input wire logic                          start_i,
  input wire logic [63:0]                   pkt_in_i,
  input wire logic [31:0]                   sa_capacity_i,
  input wire logic                          in_valid_i,
  input wire logic [8*DESCRIPTOR_SIZE-1:0]  in_desc_i,
  input wire logic                          f_acc_i,
  input wire logic                          done_go_i,
  input wire logic                          pop_i,
  input wire logic                          pop_rel_i,
  input wire logic                          rel_i,
  input wire logic [1:0]                    rel_slot_i
);
  localparam int unsigned T = 4;
  localparam int unsigned RW = 16;
  localparam int unsigned Tw = 2;
  localparam int unsigned Rw = 4;
  localparam int unsigned MaxLen = 700;   // runs of up to 12 words

  logic             idle, in_pop, f_valid, head_valid, wdone;
  logic [63:0]      f_addr;
  logic [31:0]      f_len;
  logic [Tw-1:0]    f_slot, head_slot, wdone_slot;
  logic [T*Rw-1:0]  base;
  logic [T-1:0]     ready;
  logic [8*DESCRIPTOR_SIZE-1:0] head_desc;
  logic                         next_enc;
  logic [31:0]                  next_sa;
  logic                         next_lk;

  // (the beat limit never binds here: no beat arrives, the bound is far)
  esp_pkt_stream #(.Tickets(T), .RingWords(RW), .BeatsAhead(1 << 15)) dut (
    .clk_i,
    .rst_ni,
    .start_i,
    .pkt_in_i,
    .sa_capacity_i,
    .idle_o       (idle),
    .in_valid_i,
    .in_desc_i,
    .in_pop_o     (in_pop),
    .f_valid_o    (f_valid),
    .f_addr_o     (f_addr),
    .f_len_o      (f_len),
    .f_slot_o     (f_slot),
    .f_acc_i,
    .f_beat_i     (1'b0),
    .wdone_i      (wdone),
    .wdone_slot_i (wdone_slot),
    .base_o       (base),
    .tk_o         (),
    .tk_slot_o    (),
    .tk_read_o    (),
    .tk_enc_o     (),
    .tk_len_o     (),
    .ready_o      (ready),
    .head_valid_o (head_valid),
    .head_slot_o  (head_slot),
    .head_desc_o  (head_desc),
    .next_enc_o   (next_enc),
    .next_sa_o    (next_sa),
    .next_lk_o    (next_lk),
    .pop_i,
    .pop_rel_i,
    .rel_i,
    .rel_slot_i
  );

  // ---------------------------------------------------------------- model
  logic          go_q;                   // the run has started
  logic [63:0]   pkt_in_q;
  logic [31:0]   sa_cap_q;

  descriptor_t d;
  assign d = descriptor_t'(in_desc_i);
  logic        m_enc, m_read;
  logic [4:0]  m_w;                      // the offered descriptor's run, words
  assign m_enc  = d.op == OPCODE_ENCRYPT;
  assign m_read = d.op == OPCODE_DECRYPT || (m_enc && d.sa_index < sa_cap_q);
  assign m_w    = m_read ? 5'((d.in_length + (m_enc ? 32'(ESP_ALIGN - 1 + ESP_TRAILER_BYTES) : 32'd0) +
                               32'(PKT_BUS_BYTES - 1)) / 32'(PKT_BUS_BYTES)) : 5'd0;

  logic [Tw:0]   m_tail_q, m_head_q, m_rc_q;  // tickets given, popped, reclaimed (popped and released)
  logic [5:0]    m_wt_q, m_wh_q;         // ring words given, reclaimed
  logic [T-1:0]  m_rel_q;                // released (until reclaimed)
  logic [4:0]    m_words_q [T];
  logic [Rw-1:0] m_base_q [T];
  logic [T-1:0]  m_rd_q, m_done_q;       // the ticket has a read / its read is done
  logic [T-1:0]  m_enc_q;                // the ticket's descriptor is an ENCRYPT, of SA m_sa_q
  logic [31:0]   m_sa_q [T];
  logic [T-1:0]  m_lk_q;                 // ... a DECRYPT that looks its SPI up (no USE_SA_INDEX)
  logic          m_pend_q;               // a read taken, not yet accepted
  logic [Tw-1:0] m_pend_slot_q;
  logic [31:0]   m_pend_len_q;
  logic [63:0]   m_pend_off_q;
  // accepted reads not yet done, oldest first
  logic [Tw-1:0] m_fq_q [T];
  logic [Tw:0]   m_fq_n_q;

  logic [Tw:0]   m_count, m_held;
  logic [5:0]    m_used;
  logic [Tw-1:0] m_h, m_t, m_r;
  logic          m_take, m_pop, m_acc, m_head_ok, m_rc;
  assign m_count   = m_tail_q - m_head_q;   // given, not popped
  assign m_held    = m_tail_q - m_rc_q;     // given, not reclaimed
  assign m_used    = m_wt_q - m_wh_q;
  assign m_h       = m_head_q[Tw-1:0];
  assign m_t       = m_tail_q[Tw-1:0];
  assign m_r       = m_rc_q[Tw-1:0];
  assign m_rc      = m_rc_q != m_head_q && m_rel_q[m_r];
  assign m_take    = go_q && in_valid_i && m_held != (Tw+1)'(T) && 32'(m_used) + 32'(m_w) <= RW &&
                     (!m_pend_q || f_acc_i);
  assign m_head_ok = m_count != '0 && (!m_rd_q[m_h] || m_done_q[m_h]);
  assign m_pop     = pop_i && m_head_ok;
  assign m_acc     = f_valid && f_acc_i;
  assign wdone      = done_go_i && m_fq_n_q != '0;
  assign wdone_slot = m_fq_q[0];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      go_q     <= 1'b0;
      m_tail_q <= '0;
      m_head_q <= '0;
      m_rc_q   <= '0;
      m_rel_q  <= '0;
      m_wt_q   <= '0;
      m_wh_q   <= '0;
      m_rd_q   <= '0;
      m_done_q <= '0;
      m_pend_q <= 1'b0;
      m_fq_n_q <= '0;
    end else begin
      if (start_i) begin
        go_q     <= 1'b1;
        pkt_in_q <= pkt_in_i;
        sa_cap_q <= sa_capacity_i;
      end
      if (m_take) begin
        m_tail_q <= m_tail_q + 1'b1;
        m_wt_q   <= m_wt_q + 6'(m_w);
        m_words_q[m_t] <= m_w;
        m_base_q[m_t]  <= m_wt_q[Rw-1:0];
        m_rd_q[m_t]    <= m_read;
        m_done_q[m_t]  <= 1'b0;
        m_enc_q[m_t]   <= m_enc;
        m_sa_q[m_t]    <= d.sa_index;
        m_lk_q[m_t]    <= d.op == OPCODE_DECRYPT && !d.flags[DESCRIPTOR_FLAGS_USE_SA_INDEX_BIT];
      end
      if (m_pop) m_head_q <= m_head_q + 1'b1;
      if (m_rc) begin
        m_rc_q        <= m_rc_q + 1'b1;
        m_wh_q        <= m_wh_q + 6'(m_words_q[m_r]);
        m_rel_q[m_r]  <= 1'b0;
      end
      if (m_pop && pop_rel_i) m_rel_q[m_h] <= 1'b1;
      if (rel_i) m_rel_q[rel_slot_i] <= 1'b1;
      if (wdone) m_done_q[wdone_slot] <= 1'b1;
      if (m_acc) m_pend_q <= 1'b0;
      if (m_take && m_read) begin
        m_pend_q      <= 1'b1;
        m_pend_slot_q <= m_t;
        m_pend_len_q  <= d.in_length;
        m_pend_off_q  <= d.in_offset;
      end
      // the accepted reads complete in order
      for (int i = 0; i < T; i++) begin
        if (wdone) m_fq_q[i] <= (i + 1 < T) ? m_fq_q[i + 1] : '0;
      end
      if (m_acc) m_fq_q[Tw'(m_fq_n_q - (wdone ? 1'b1 : 1'b0))] <= f_slot;
      m_fq_n_q <= m_fq_n_q + (m_acc ? 1'b1 : 1'b0) - (wdone ? 1'b1 : 1'b0);
    end
  end

`ifdef FORMAL
  initial assume (!rst_ni);

  // the environment: one start right after reset; well-formed descriptors
  // (ENCRYPT, DECRYPT or NOP, bus-aligned offsets, 1..MaxLen bytes) held
  // until taken; reads accepted only when offered
  logic         hold_q;
  logic [8*DESCRIPTOR_SIZE-1:0] held_q;
  always_ff @(posedge clk_i) begin
    hold_q <= rst_ni && in_valid_i && !in_pop;
    held_q <= in_desc_i;
  end
  always @(*) begin
    if (rst_ni) begin
      assume (start_i == !go_q);
      if (!go_q) assume (!in_valid_i);
      assume (d.op == OPCODE_ENCRYPT || d.op == OPCODE_DECRYPT || d.op == OPCODE_NOP);
      assume (d.in_offset[$clog2(PKT_BUS_BYTES)-1:0] == '0 && d.in_offset[63:16] == '0);
      assume (d.out_offset[$clog2(PKT_BUS_BYTES)-1:0] == '0);
      assume (d.in_length != '0 && d.in_length <= MaxLen);
      if (hold_q) assume (in_valid_i && in_desc_i == held_q);
      if (f_acc_i) assume (f_valid);
      // each ticket released once, while it is held: with its pop, or on its own
      if (pop_rel_i) assume (pop_i && m_head_ok && !m_rel_q[m_h] && !(rel_i && rel_slot_i == m_h));
      if (rel_i) assume (Tw'(rel_slot_i - m_r) < Tw'(m_held) || m_held == (Tw+1)'(T));
      if (rel_i) assume (!m_rel_q[rel_slot_i]);
    end
  end

  always @(posedge clk_i) begin
    if (rst_ni && go_q && !start_i) begin
      // a descriptor is taken exactly when the model can take it
      assert (in_pop == m_take);
      // held runs never overlap: they fit the ring together (the credits
      // never underflow)
      assert (m_used <= 6'(RW));
      assert (m_held <= (Tw+1)'(T) && m_count <= m_held);
      // each held ticket's run starts where the previous one ended
      for (int t = 0; t < T; t++) begin
        if (Tw'(t - 32'(m_r)) < Tw'(m_held) || m_held == (Tw+1)'(T)) begin
          assert (base[Rw*t +: Rw] == m_base_q[t]);
        end
        if (Tw'(t - 32'(m_h)) < Tw'(m_count) || m_count == (Tw+1)'(T)) begin
          assert (ready[t] == (!m_rd_q[t] || m_done_q[t]));
        end
      end
      // the reads: in order, the descriptor's address, length and ticket
      assert (f_valid == m_pend_q);
      if (f_valid) begin
        assert (f_slot == m_pend_slot_q);
        assert (f_len == m_pend_len_q);
        assert (f_addr == pkt_in_q + m_pend_off_q);
      end
      // the head: valid exactly when its read is done (or it has none)
      assert (head_valid == m_head_ok);
      if (m_count != '0) assert (head_slot == m_h);
      // the descriptor behind the head (the sequencer reads its SA ahead):
      // an ENCRYPT of its SA exactly when there is one
      assert (next_enc == (m_count >= (Tw+1)'(2) && m_enc_q[Tw'(m_h + 1'b1)]));
      if (next_enc) assert (next_sa == m_sa_q[Tw'(m_h + 1'b1)]);
      assert (next_lk == (m_count >= (Tw+1)'(2) && m_lk_q[Tw'(m_h + 1'b1)]));
      assert (idle == (m_held == '0 && !m_pend_q));
    end
  end
`endif

  logic unused_fv;
  assign unused_fv = ^{head_desc, ready};

endmodule

`default_nettype wire
