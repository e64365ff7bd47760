// esp_writeback: the write-back stage (hw/rtl/README.md "Stages"). The
// process stage takes the free output slots in order (alloc_i: the slot
// named by alloc_slot_o, while alloc_ready_o), builds each descriptor's
// output in its slot (esp_out_bank, producer side; several slots may be
// taken and not yet pushed: the process stage overlaps descriptors) and
// pushes the slots in the order it took them, each with its completion;
// this stage then, in order, writes the output packet
// (when the status is OK) from the slot's buffer to pkt_out and the
// completion i to slot i mod 2^ring_log2 of cpl_ring, and frees the slot as soon as the write
// engine has taken the completion (right behind the packet's last chunk, so
// the next packet streams without a gap; the packet's beats may still be in
// the buffer then: each write job names its slot, drain_slot_o when taken,
// and esp_engine hands the slot back to the process stage only once
// esp_mem_access's obuf_busy_o says they are out); the writes are posted. A packet goes out in chunks of ChunkBeats
// beats, one write job each, so that a write of the process stage (which
// has priority) waits at most one chunk: AXI does not interleave the data
// of two write bursts. idle_o: nothing pushed is left to write and every
// write response has arrived.
//
// Two completions per beat: a completion whose ring slot starts a bus beat
// (its address a multiple of PKT_BUS_BYTES, and not the ring's last slot)
// is held, when the next slot is already pushed, instead of being written
// alone: its slot is freed at once and the next descriptor's packet goes
// out, then both completions in one write of one beat (cpl_hold_o pulses
// when one is held). The write engine takes a packet's last chunk long
// before W sends it (the beats wait in the output buffer), so such a
// completion is held at its packet's last chunk even when the next slot is
// not pushed yet: it waits, its slot freed, until the next slot is pushed
// (then they pair as above) or its packet's beats are out of the buffer
// (obuf_busy_i of its slot; the W FIFO still holds a few), and is then
// written alone (StSolo), so W never idles for it. A completion without a
// packet is held only when the next slot is already pushed.
//
// cpl_prod_o (the CPL_PROD register): the index after the last descriptor
// whose completion write has its response. The write engine answers in the
// order it took the writes, and the process stage's writes of a descriptor
// were taken before its completion is pushed here, so by then its output
// packet and its card-memory writes have their responses too. It starts at
// ring_first and keeps its value between runs.
`default_nettype none

module esp_writeback
  import esp_spec_pkg::*;
  import esp_mem_pkg::*;
#(
  parameter int unsigned Slots = 2,
  parameter int unsigned ChunkBeats = 16,
  parameter int unsigned Aw = 8,            // output buffer word address
  localparam int unsigned Sw = (Slots > 1) ? $clog2(Slots) : 1,
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES,
  localparam int unsigned CplW = 8 * COMPLETION_SIZE
) (
  input  wire logic             clk_i,
  input  wire logic             rst_ni,

  // a batch starts (arguments sampled)
  input  wire logic             start_i,
  input  wire logic [63:0]      cpl_ring_i,
  input  wire logic [63:0]      pkt_out_i,
  input  wire logic [Slots-1:0] obuf_busy_i,     // slots whose packet beats are not all out of the buffer
  input  wire logic [31:0]      ring_first_i,
  input  wire logic [31:0]      ring_mask_i,     // 2^ring_log2 - 1
  output      logic             idle_o,
  output      logic [31:0]      cpl_prod_o,
  output      logic             cpl_inc_o,       // cpl_prod_o advances (this cycle)
  output      logic             cpl_hold_o,      // the head's completion is held, to share a beat with the next

  // from the process stage
  output      logic             alloc_ready_o,   // the slot at alloc_slot_o is free
  output      logic [Sw-1:0]    alloc_slot_o,
  input  wire logic             alloc_i,         // it is taken
  input  wire logic             push_i,          // the oldest slot taken is pushed
  input  wire logic [CplW-1:0]  push_cpl_i,      // the completion image
  input  wire logic             push_wr_pkt_i,   // write the output packet
  input  wire logic [63:0]      push_out_off_i,  // descriptor out_offset
  input  wire logic [31:0]      push_out_len_i,
  input  wire logic [31:0]      push_out_cap_i,

  // the slots: which are full, which one is being written out
  output      logic [Slots-1:0] full_o,
  output      logic [Sw-1:0]    drain_slot_o,

  // esp_mem_access, write-back client
  output      logic             mem_valid_o,
  output      mem_cmd_e         mem_cmd_o,
  output      logic [63:0]      mem_addr_o,
  output      logic [31:0]      mem_len_o,
  output      logic [31:0]      mem_cap_o,
  output      logic [Aw-1:0]    mem_base_o,      // CmdWrPkt: first buffer word of the chunk
  output      logic [Dw-1:0]    mem_wimg_o,
  output      logic [PKT_BUS_BYTES-1:0] mem_wmask_o,
  input  wire logic             mem_acc_i,
  input  wire logic             mem_wdone_i
);

  typedef enum logic [1:0] {StIdle, StPkt, StCpl, StSolo} state_e;

  typedef struct packed {
    logic [CplW-1:0] cpl;
    logic            wr_pkt;
    logic [63:0]     out_off;
    logic [31:0]     out_len;
    logic [31:0]     out_cap;
  } slot_t;

  state_e        state_q, state_d;
  logic [63:0]   a_cpl_q, a_out_q;
  logic [31:0]   idx_q, mask_q, cpl_prod_q;
  // The writes taken whose responses are not in, oldest in bit 0: 1 for a
  // completion (one bit per pending_q count; the write engine keeps at most
  // 32 jobs without responses, esp_mem_access); pair_q: a write of two.
  logic [63:0]   kind_q, kind_d, pair_q, pair_d;
  logic [5:0]    kpos;
  logic [Sw-1:0] tail_q, head_q, alloc_q;
  logic [Sw:0]   taken_q;          // slots taken and not yet pushed (tail_q on)
  logic [Slots-1:0] full_q;
  logic [$bits(slot_t)-1:0] slot_q [Slots];   // (yosys 0.23 reads an array of a struct as one struct)
  slot_t         h, hn;            // the head slot, the one after it

  // the held completion (cpl_hold_o): its image and the address of its beat
  logic            held_q;
  logic [CplW-1:0] held_cpl_q;
  logic [63:0]     held_addr_q;
  logic [Sw-1:0]   held_slot_q;    // the held one's output slot (its beats: obuf_busy_i)
  logic            hold;
  logic [63:0]     cpl_addr;       // the head's completion's address

  localparam int unsigned ChunkBytes = ChunkBeats * PKT_BUS_BYTES;

  logic          go_q, go_d;
  mem_cmd_e      cmd_q, cmd_d;
  logic [63:0]   addr_q, addr_d;
  logic [31:0]   off_q, off_d;             // packet bytes of the earlier chunks
  logic [31:0]   rest;                     // packet bytes from this chunk on
  logic          release_slot;
  logic [7:0]    pending_q;      // writes taken, responses not yet in

  function automatic logic [Sw-1:0] next_slot(logic [Sw-1:0] s);
    return (32'(s) == Slots - 1) ? '0 : s + Sw'(1);
  endfunction

  logic [31:0] cslot;   // completion idx_q's ring slot
  assign cslot = idx_q & mask_q;
  assign h    = slot_t'(slot_q[head_q]);
  assign hn   = slot_t'(slot_q[next_slot(head_q)]);
  logic unused_hn;                  // (only its first job is read here)
  assign unused_hn = ^{hn.cpl, hn.out_len, hn.out_cap};
  assign rest = h.out_len - off_q;
  assign cpl_addr = a_cpl_q + (64'(cslot) << $clog2(COMPLETION_SIZE));

  // the head's completion may wait for the next one's: it starts a beat and
  // the next slot of the ring is in the same beat (park_ok: at its packet's
  // last chunk); and the next is pushed (pair_ok: a completion alone)
  logic park_ok, pair_ok;
  assign park_ok = !held_q && cpl_addr[$clog2(PKT_BUS_BYTES)-1:0] == '0 && cslot != mask_q;
  assign pair_ok = park_ok && full_q[next_slot(head_q)];

  always_comb begin
    state_d = state_q;
    go_d = 1'b0; cmd_d = cmd_q; addr_d = addr_q; off_d = off_q;
    release_slot = 1'b0;
    hold = 1'b0;
    unique case (state_q)
      StIdle: if (full_q[head_q]) begin
        go_d = 1'b1;
        if (h.wr_pkt) begin
          cmd_d = CmdWrPkt; addr_d = a_out_q + h.out_off; off_d = '0; state_d = StPkt;
        end else begin
          hold = pair_ok;
          cmd_d = CmdWrStruct; addr_d = held_q ? held_addr_q : cpl_addr; state_d = StCpl;
        end
      end else if (held_q && !obuf_busy_i[held_slot_q]) begin
        // nothing to pair with yet and the held one's beats are out: alone
        go_d = 1'b1;
        cmd_d = CmdWrStruct; addr_d = held_addr_q; state_d = StSolo;
      end
      StPkt: if (mem_acc_i) begin
        go_d = 1'b1;
        if (rest > 32'(ChunkBytes)) begin   // the next chunk
          off_d = off_q + 32'(ChunkBytes); addr_d = addr_q + 64'(ChunkBytes);
        end else begin
          hold = park_ok;
          // parked: nothing more to write until the next slot is pushed
          go_d = !park_ok || full_q[next_slot(head_q)];
          cmd_d = CmdWrStruct; addr_d = held_q ? held_addr_q : cpl_addr;
          state_d = go_d ? StCpl : StIdle;
        end
      end
      StCpl: if (mem_acc_i) begin
        release_slot = 1'b1;
        state_d = StIdle;
      end
      StSolo: if (mem_acc_i) state_d = StIdle;
      default: state_d = StIdle;
    endcase
    // a held completion: its slot is free now, the next slot's first job
    // (its packet, or both completions at the held one's address) goes next
    release_slot = release_slot || hold;
    if (hold && full_q[next_slot(head_q)]) begin
      if (hn.wr_pkt) begin
        cmd_d = CmdWrPkt; addr_d = a_out_q + hn.out_off; off_d = '0; state_d = StPkt;
      end else begin
        cmd_d = CmdWrStruct; addr_d = cpl_addr; state_d = StCpl;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= StIdle;
      idx_q   <= '0;
      tail_q  <= '0;
      head_q  <= '0;
      alloc_q <= '0;
      taken_q <= '0;
      full_q  <= '0;
      go_q    <= 1'b0;
      cmd_q   <= CmdWrStruct;
      pending_q <= '0;
      kind_q    <= '0;
      pair_q    <= '0;
      held_q    <= 1'b0;
      cpl_prod_q <= '0;
    end else begin
      state_q <= state_d;
      pending_q <= pending_q + 8'(mem_acc_i) - 8'(mem_wdone_i);
      kind_q    <= kind_d;
      pair_q    <= pair_d;
      if (start_i) cpl_prod_q <= ring_first_i;
      else if (cpl_inc_o) cpl_prod_q <= cpl_prod_q + (pair_q[0] ? 32'd2 : 32'd1);
      if (hold) held_q <= 1'b1;
      else if ((state_q == StCpl || state_q == StSolo) && mem_acc_i) held_q <= 1'b0;
      go_q    <= go_d;
      cmd_q   <= cmd_d;
      if (start_i) begin
        idx_q  <= ring_first_i;
        tail_q  <= '0;
        head_q  <= '0;
        alloc_q <= '0;
        taken_q <= '0;
        full_q  <= '0;
      end else begin
        if (push_i) tail_q <= next_slot(tail_q);
        if (alloc_i) alloc_q <= next_slot(alloc_q);
        taken_q <= taken_q + (Sw+1)'(alloc_i) - (Sw+1)'(push_i);
        if (release_slot) begin
          head_q <= next_slot(head_q);
          idx_q  <= idx_q + 32'd1;
        end
        for (int unsigned s = 0; s < Slots; s++) begin
          if (push_i && tail_q == Sw'(s)) full_q[s] <= 1'b1;
          else if (release_slot && head_q == Sw'(s)) full_q[s] <= 1'b0;
        end
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (start_i) begin
      a_cpl_q <= cpl_ring_i;
      a_out_q <= pkt_out_i;
      mask_q  <= ring_mask_i;
    end
    addr_q <= addr_d;
    off_q  <= off_d;
    if (hold) begin
      held_cpl_q  <= h.cpl;
      held_addr_q <= cpl_addr;
      held_slot_q <= head_q;
    end
    // cpl, wr_pkt, out_off, out_len, out_cap
    if (push_i) slot_q[tail_q] <= {push_cpl_i, push_wr_pkt_i, push_out_off_i, push_out_len_i, push_out_cap_i};
  end

  // the kinds of the pending writes: a taken write goes in at position
  // pending_q (one lower when the oldest's response leaves now)
  assign cpl_inc_o = mem_wdone_i && kind_q[0];
  always_comb begin
    kind_d = kind_q;
    pair_d = pair_q;
    kpos   = pending_q[5:0];
    if (mem_wdone_i) begin
      kind_d = kind_q >> 1;
      pair_d = pair_q >> 1;
      kpos   = pending_q[5:0] - 6'd1;
    end
    if (mem_acc_i) begin
      kind_d[kpos] = (cmd_q == CmdWrStruct);
      pair_d[kpos] = (cmd_q == CmdWrStruct) && held_q && state_q != StSolo;
    end
  end
  assign cpl_prod_o = cpl_prod_q;

  assign cpl_hold_o   = hold;
  assign idle_o       = state_q == StIdle && full_q == '0 && taken_q == '0 && pending_q == '0 && !held_q;
  // the slots in ring order: full ones from head_q, taken ones from tail_q,
  // free ones from alloc_q
  assign alloc_ready_o = !full_q[alloc_q] && (32'(taken_q) < Slots);
  assign alloc_slot_o  = alloc_q;
  assign full_o       = full_q;
  assign drain_slot_o = head_q;

  assign mem_valid_o = go_q;
  assign mem_cmd_o   = cmd_q;
  assign mem_addr_o  = addr_q;
  logic two;   // the write of a held completion and the head's
  assign two = held_q && state_q != StSolo;
  assign mem_len_o   = (cmd_q != CmdWrPkt) ? (two ? 32'(2 * COMPLETION_SIZE) : 32'(COMPLETION_SIZE))
                     : (rest > 32'(ChunkBytes)) ? 32'(ChunkBytes) : rest;
  assign mem_cap_o   = h.out_cap - off_q;
  assign mem_base_o  = Aw'(off_q >> $clog2(PKT_BUS_BYTES));
  assign mem_wimg_o  = two ? Dw'({h.cpl, held_cpl_q}) : held_q ? Dw'(held_cpl_q) : Dw'(h.cpl);
  assign mem_wmask_o = two ? {PKT_BUS_BYTES{1'b1}} : PKT_BUS_BYTES'({COMPLETION_SIZE{1'b1}});

  // two completions fill one beat exactly
  if (2 * COMPLETION_SIZE != PKT_BUS_BYTES) begin : g_bad_size
    $error("esp_writeback pairs two completions per beat: 2 * COMPLETION_SIZE must be PKT_BUS_BYTES");
  end

endmodule : esp_writeback

`default_nettype wire
