// esp_replay_window: the inbound anti-replay window (CONTRACT.md DECRYPT 9
// and 11), the arithmetic of the HLS replay_check / replay_commit
// (replay_window.hpp), combinational; the sequencer does the card-memory
// accesses.
//
// The ring at the SA's replay_offset has N = W/32 replay_entry's (W a power
// of two, so N is one: no divider): sequence number s is bit s%64 of `bits`
// of entry (s/64) mod N if that entry's `block` is s/64, else it reads 0.
//
// top_idx_o: the entry of top (the sequencer keeps it on chip).
// replay_check: fresh_o (seq > top: passes), old_o (top - seq >= W:
//   REPLAY); otherwise the sequencer reads entry idx_o and
//   check_pass_o = fresh | (!old & bit of seq in entry_i clear).
// replay_commit (seq passed and authenticated): entry idx_o becomes
//   commit_o ({bits | bit, block} when entry_i's block is seq/64, else
//   {bit, block}: nothing is cleared when top jumps), and top becomes seq
//   when fresh.
`default_nettype none

module esp_replay_window
  import esp_spec_pkg::*;
(
  input  wire logic [31:0]   window_bits_i,  // a power of two, MIN..MAX_WINDOW_BITS
  input  wire logic [63:0]   top_i,
  input  wire logic [63:0]   seq_i,

  output      logic          fresh_o,
  output      logic          old_o,
  output      logic [15:0]   idx_o,          // seq's ring entry
  output      logic [15:0]   top_idx_o,      // top's ring entry
  input  wire replay_entry_t entry_i,        // entry idx_o as in card memory
  output      logic          check_pass_o,
  output      replay_entry_t commit_o
);

  localparam int unsigned IdxW = $clog2(MAX_WINDOW_BITS / 64 * REPLAY_ENTRIES_PER_64);

  logic [63:0] block, bit_mask;
  logic [31:0] entries;
  logic        hit;

  assign block    = seq_i >> 6;
  assign bit_mask = 64'd1 << seq_i[5:0];
  assign entries  = (window_bits_i >> 6) * 32'(REPLAY_ENTRIES_PER_64);
  logic [IdxW-1:0] idx, emask;
  assign emask    = IdxW'(entries - 32'd1);
  assign idx      = block[IdxW-1:0] & emask;
  assign idx_o    = 16'(idx);
  logic [IdxW-1:0] tidx;
  assign tidx      = top_i[6 +: IdxW] & emask;
  assign top_idx_o = 16'(tidx);
  assign fresh_o  = seq_i > top_i;
  assign old_o    = !fresh_o && (top_i - seq_i >= 64'(window_bits_i));
  assign hit      = entry_i.block == block;

  assign check_pass_o = fresh_o | (!old_o & !(hit & ((entry_i.bits & bit_mask) != '0)));

  always_comb begin
    commit_o.block = block;
    commit_o.bits  = hit ? (entry_i.bits | bit_mask) : bit_mask;
  end

  logic unused_win;
  assign unused_win = ^{entries[31:IdxW]};

endmodule : esp_replay_window

`default_nettype wire
