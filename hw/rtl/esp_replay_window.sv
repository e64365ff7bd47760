// esp_replay_window: the inbound anti-replay window (CONTRACT.md DECRYPT 9
// and 11), the arithmetic of the HLS replay_check / replay_commit
// (replay_window.hpp); the sequencer does the card-memory accesses.
//
// The ring has words = W/64 + REPLAY_EXTRA_WORDS 64-bit words (not a power
// of two): sequence number s is bit s%64 of word (s/64) % words. On start
// the two ring indices of seq and top are computed by a restoring divider
// (one quotient bit per cycle: DivBits cycles, both in parallel); done_o
// pulses (DivBits + 1 cycles after start) when the outputs below are valid
// (held until the next start). Fast path: when the caller knows top's ring
// index (hint_i, top_idx_i: an earlier top_idx_o / seq_idx_o of the same
// state) and seq's word is less than a ring away from top's, seq's index is
// top's plus the distance, modulo words: done_o pulses the cycle after
// start. top_idx_o: top's ring index.
//
// replay_check: fresh_o (seq > top: passes), old_o (top - seq >= W:
//   REPLAY); otherwise the sequencer reads ring word seq_idx_o and
//   check_pass_o = fresh | (!old & bit bit_o of word_i clear).
// replay_commit (seq passed and authenticated): if fresh, the
//   n_clear = min(seq/64 - top/64, words) words passed over are cleared,
//   clr_n0_o words from clr_idx_o and clr_n1_o words from 0 (the wrap), top
//   becomes seq, and the word of seq is written as just its bit when
//   jump_nz_o (it was cleared), else read, or-ed and written back.
`default_nettype none

module esp_replay_window
  import esp_spec_pkg::*;
(
  input  wire logic        clk_i,
  input  wire logic        rst_ni,

  input  wire logic        start_i,
  input  wire logic [31:0] window_bits_i,  // a power of two, MIN..MAX_WINDOW_BITS
  input  wire logic [63:0] top_i,
  input  wire logic [63:0] seq_i,
  input  wire logic        hint_i,
  input  wire logic [15:0] top_idx_i,
  output      logic        busy_o,
  output      logic        done_o,

  output      logic [15:0] words_o,
  output      logic [15:0] seq_idx_o,
  output      logic [15:0] top_idx_o,
  output      logic [5:0]  bit_o,

  output      logic        fresh_o,
  output      logic        old_o,
  input  wire logic [63:0] word_i,
  output      logic        check_pass_o,

  output      logic        jump_nz_o,
  output      logic [15:0] clr_idx_o,
  output      logic [15:0] clr_n0_o,
  output      logic [15:0] clr_n1_o
);

  localparam int unsigned DivBits = 64 - 6;   // quotient bits of s / 64 / words
  localparam int unsigned RemBits = 12;       // > log2(2 * max words)

  logic        busy_q, busy_d, last_q, last_d;
  logic [5:0]  cnt_q, cnt_d;
  logic [63:0] top_q, top_d, seq_q, seq_d;
  logic [31:0] w_q, w_d;
  logic [RemBits-1:0] rs_q, rs_d, rt_q, rt_d;   // remainders: seq, top

  logic [15:0] words;
  assign words = 16'(w_q >> 6) + 16'(REPLAY_EXTRA_WORDS);

  // r < d <= 2^(RemBits-1): the top bit of r is always 0.
  function automatic logic [RemBits-1:0] div_step(logic [RemBits-2:0] r, logic b, logic [RemBits-1:0] d);
    logic [RemBits-1:0] t;
    t = {r, b};
    return (t >= d) ? t - d : t;
  endfunction

  // Fast path at start: distance of seq's word from top's, either way.
  logic [15:0] words_in;
  logic [57:0] fwd, bwd;
  logic        fast;
  logic [RemBits-1:0] fast_rs, fast_sum;
  assign words_in = 16'(window_bits_i >> 6) + 16'(REPLAY_EXTRA_WORDS);
  assign fwd      = seq_i[63:6] - top_i[63:6];
  assign bwd      = top_i[63:6] - seq_i[63:6];
  assign fast     = hint_i && (fwd < 58'(words_in) || bwd < 58'(words_in));
  assign fast_sum = (fwd < 58'(words_in)) ? RemBits'(top_idx_i) + RemBits'(fwd)
                                          : RemBits'(top_idx_i) + RemBits'(words_in) - RemBits'(bwd);
  assign fast_rs  = (fast_sum >= RemBits'(words_in)) ? fast_sum - RemBits'(words_in) : fast_sum;

  always_comb begin
    busy_d = busy_q;
    cnt_d  = cnt_q;
    last_d = busy_q & (cnt_q == '0);
    top_d  = top_q;
    seq_d  = seq_q;
    w_d    = w_q;
    rs_d   = rs_q;
    rt_d   = rt_q;
    if (!busy_q) begin
      if (start_i) begin
        top_d  = top_i;
        seq_d  = seq_i;
        w_d    = window_bits_i;
        if (fast) begin
          last_d = 1'b1;
          rs_d   = fast_rs;
          rt_d   = RemBits'(top_idx_i);
        end else begin
          busy_d = 1'b1;
          cnt_d  = 6'(DivBits - 1);
          rs_d   = '0;
          rt_d   = '0;
        end
      end
    end else begin
      rs_d = div_step(rs_q[RemBits-2:0], seq_q[6 + cnt_q], RemBits'(words));
      rt_d = div_step(rt_q[RemBits-2:0], top_q[6 + cnt_q], RemBits'(words));
      cnt_d = cnt_q - 6'd1;
      if (cnt_q == '0) busy_d = 1'b0;
    end
  end

  // Outputs (valid from done until the next start).
  logic [15:0] top_idx, first, n_clear, to_end;
  logic [57:0] jump;
  assign words_o   = words;
  assign seq_idx_o = 16'(rs_q);
  assign top_idx   = 16'(rt_q);
  assign top_idx_o = top_idx;
  logic unused_tix;   // ring indices are below words <= MAX_WINDOW_BITS/64 + 1
  assign unused_tix = ^top_idx_i[15:RemBits];
  assign bit_o     = seq_q[5:0];
  assign fresh_o   = seq_q > top_q;
  assign old_o     = (top_q - seq_q) >= 64'(w_q);
  assign check_pass_o = fresh_o | (!old_o & !word_i[bit_o]);

  assign jump      = seq_q[63:6] - top_q[63:6];
  assign jump_nz_o = jump != '0;
  assign n_clear   = (jump >= 58'(words)) ? words : 16'(jump);
  assign first     = (top_idx + 16'd1 == words) ? 16'd0 : top_idx + 16'd1;
  assign to_end    = words - first;
  assign clr_idx_o = first;
  assign clr_n0_o  = (n_clear < to_end) ? n_clear : to_end;
  assign clr_n1_o  = n_clear - clr_n0_o;

  assign busy_o = busy_q;
  assign done_o = last_q;  // the cycle after the last step: the indices are final

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q <= 1'b0;
      cnt_q  <= '0;
      last_q <= 1'b0;
    end else begin
      busy_q <= busy_d;
      cnt_q  <= cnt_d;
      last_q <= last_d;
    end
  end

  always_ff @(posedge clk_i) begin
    top_q <= top_d;
    seq_q <= seq_d;
    w_q   <= w_d;
    rs_q  <= rs_d;
    rt_q  <= rt_d;
  end

endmodule : esp_replay_window

`default_nettype wire
