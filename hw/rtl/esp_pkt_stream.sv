// esp_pkt_stream: the fetch stage's packet reader (hw/rtl/README.md
// "Stages"): takes the descriptors in order from esp_desc_stream, one per
// cycle, gives each a ticket (the input "slot", 0..Tickets-1 in turn) and a
// contiguous run of words of the input ring (esp_in_ring, RingWords words,
// wrapping at its end) and, when it needs it (esp_desc_check read_pkt),
// asks esp_mem_access to read its input packet (f_*: f_valid_o held until
// f_acc_i; the ring maps the ticket to its run). Up to Tickets descriptors
// are held, so up to Tickets - 1 packet reads are in flight while the
// process stage works on the oldest; a read is issued while fewer than
// BeatsAhead of the packet beats asked for have not arrived (f_beat_i), so
// that the packet data queued on the in-order R channel ahead of a process
// stage's read stays near what the read latency needs (one beat a cycle).
//
// A run holds what the process stage reads and writes in the input buffer:
// the packet (in_length bytes) and, for an ENCRYPT, the ESP trailer that
// esp_trailer writes right behind the payload (ESP_ALIGN - 1 pad bytes at
// most, ESP_TRAILER_BYTES: CONTRACT.md "Output"), the payload ending at or
// before in_length; a descriptor without a packet read gets an empty run.
//
// A ticket is ready (ready_o) once its packet is in the ring (wdone_i with
// its ticket: the read's last beat written) or at once without a read; the
// process stage takes the oldest (head_*) and is done with it as the oldest
// with pop_i (the next ticket becomes head_*). POP is not RELEASE: a
// ticket's words may still be read after its pop (esp_aead reads a job's
// packet with the job's ticket while the head parses the next one); the
// ticket and its run are free once it is popped and released: with the pop
// (pop_rel_i) or by rel_i / rel_slot_i (esp_aead read the job's input),
// before or after its pop. Releases come in any ticket order (a descriptor
// that fails at the head releases at its pop, before the packet before it
// is read); the tickets and ring words come back in ticket order (rel_q: the
// released bitmap; rc_q: the oldest ticket not yet reclaimed, one a cycle).
`default_nettype none

module esp_pkt_stream
  import esp_spec_pkg::*;
#(
  parameter int unsigned Tickets = 64,
  parameter int unsigned RingWords = 1024,
  parameter int unsigned BeatsAhead = 64,
  localparam int unsigned Tw = $clog2(Tickets),
  localparam int unsigned Rw = $clog2(RingWords),
  localparam int unsigned DescW = 8 * DESCRIPTOR_SIZE
) (
  input  wire logic                    clk_i,
  input  wire logic                    rst_ni,

  input  wire logic                    start_i,
  input  wire logic [63:0]             pkt_in_i,
  input  wire logic [31:0]             sa_capacity_i,
  output      logic                    idle_o,

  // the descriptors, in order (esp_desc_stream)
  input  wire logic                    in_valid_i,
  input  wire logic [DescW-1:0]        in_desc_i,
  output      logic                    in_pop_o,

  // esp_mem_access, packet client
  output      logic                    f_valid_o,
  output      logic [63:0]             f_addr_o,
  output      logic [31:0]             f_len_o,
  output      logic [Tw-1:0]           f_slot_o,
  input  wire logic                    f_acc_i,
  input  wire logic                    f_beat_i,      // a packet beat arrived

  // the input ring: a ticket's packet is in; each ticket's first word
  input  wire logic                    wdone_i,
  input  wire logic [Tw-1:0]           wdone_slot_i,
  output      logic [Tickets*Rw-1:0]   base_o,
  // a ticket given (to esp_cls_ahead): whether its packet is read (only an
  // ENCRYPT's or a DECRYPT's: esp_desc_check), which of them (tk_enc_o)
  output      logic                    tk_o,
  output      logic [Tw-1:0]           tk_slot_o,
  output      logic                    tk_read_o,
  output      logic                    tk_enc_o,
  output      logic [31:0]             tk_len_o,

  // the process stage's side
  output      logic [Tickets-1:0]      ready_o,
  output      logic                    head_valid_o,
  output      logic [Tw-1:0]           head_slot_o,
  output      logic [DescW-1:0]        head_desc_o,
  // the ticket behind the head (given, its packet maybe not yet in): an
  // ENCRYPT, and its sa_index; a DECRYPT that looks its SPI up (no
  // USE_SA_INDEX); the head reads that SA ahead (esp_sa_ahead)
  output      logic                    next_enc_o,
  output      logic [31:0]             next_sa_o,
  output      logic                    next_lk_o,
  input  wire logic                    pop_i,
  input  wire logic                    pop_rel_i,     // with pop_i: released too
  input  wire logic                    rel_i,         // ticket rel_slot_i is released
  input  wire logic [Tw-1:0]           rel_slot_i
);

  localparam int unsigned BeatShift = $clog2(PKT_BUS_BYTES);
  localparam int unsigned TrailerMax = ESP_ALIGN - 1 + ESP_TRAILER_BYTES;

  logic [63:0] a_in_q;
  logic [31:0] sa_cap_q;

  descriptor_t d;
  assign d = descriptor_t'(in_desc_i);

  logic d_enc, d_dec, d_malformed, d_sa_range, d_read_pkt;
  esp_desc_check u_desc_check (
    .desc_i        (in_desc_i),
    .sa_capacity_i (sa_cap_q),
    .op_enc_o      (d_enc),
    .op_dec_o      (d_dec),
    .malformed_o   (d_malformed),
    .sa_range_o    (d_sa_range),
    .read_pkt_o    (d_read_pkt)
  );

  // the descriptor's run: its packet and an ENCRYPT's trailer, in words
  // (in_length <= MAX_PKT_BYTES when there is a read)
  logic [31:0] bytes, words, beats;
  assign bytes = d.in_length + (d_enc ? 32'(TrailerMax) : 32'd0);
  assign words = d_read_pkt ? (bytes + 32'(PKT_BUS_BYTES - 1)) >> BeatShift : 32'd0;
  assign beats = (d.in_length + 32'(PKT_BUS_BYTES - 1)) >> BeatShift;

  // ------------------------------------------------------------- tickets
  logic [Tw:0]      tail_q, head_q, rc_q;  // tickets given, popped, reclaimed (popped and released)
  logic [Rw:0]      rtail_q, rhead_q;      // ring words given, reclaimed
  logic [Tickets-1:0] rel_q;               // released, not yet reclaimed
  logic [Rw-1:0]    base_q [Tickets];
  logic [Rw:0]      end_q [Tickets];       // the word after the run (ring position)
  logic [DescW-1:0] desc_q [Tickets];
  logic [33:0]      nxt_q [Tickets];     // {DECRYPT by SPI, ENCRYPT, sa_index} of each ticket (a second read port, 34 bits)
  logic [Tickets-1:0] rdy_q;
  logic             fgo_q;
  logic [63:0]      faddr_q;
  logic [31:0]      flen_q;
  logic [Tw-1:0]    fslot_q;
  logic             room, take, pop, rc_ok;
  logic [Tw-1:0]    tslot, hslot, rcslot;

  assign tslot = tail_q[Tw-1:0];
  assign hslot = head_q[Tw-1:0];
  assign rcslot = rc_q[Tw-1:0];
  // the oldest ticket held is reclaimed once it is popped and released
  assign rc_ok = rc_q != head_q && rel_q[rcslot];
  logic [Rw:0]      rused;
  assign rused = rtail_q - rhead_q;
  assign room  = (tail_q - rc_q) != (Tw+1)'(Tickets) && 32'(rused) + words <= 32'(RingWords);
  logic [15:0]      fly_q;                 // packet beats asked for, not arrived
  assign take  = in_valid_i && room && (!fgo_q || f_acc_i) && (!d_read_pkt || 32'(fly_q) < BeatsAhead);
  assign pop   = pop_i && head_valid_o;
  assign in_pop_o = take;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      tail_q  <= '0;
      head_q  <= '0;
      rc_q    <= '0;
      rtail_q <= '0;
      rhead_q <= '0;
      rdy_q   <= '0;
      rel_q   <= '0;
      fgo_q   <= 1'b0;
      fly_q   <= '0;
    end else if (start_i) begin
      tail_q  <= '0;
      head_q  <= '0;
      rc_q    <= '0;
      rtail_q <= '0;
      rhead_q <= '0;
      rdy_q   <= '0;
      rel_q   <= '0;
      fgo_q   <= 1'b0;
    end else begin
      if (f_acc_i) fgo_q <= 1'b0;
      fly_q <= fly_q + ((take && d_read_pkt) ? 16'(beats) : 16'd0) - 16'(f_beat_i);
      if (take) begin
        tail_q  <= tail_q + (Tw+1)'(1);
        rtail_q <= rtail_q + (Rw+1)'(words);
        if (d_read_pkt) fgo_q <= 1'b1;
      end
      if (pop) head_q <= head_q + (Tw+1)'(1);
      if (rc_ok) begin
        rc_q    <= rc_q + (Tw+1)'(1);
        rhead_q <= end_q[rcslot];
      end
      for (int unsigned t = 0; t < Tickets; t++) begin
        if (take && tslot == Tw'(t)) rdy_q[t] <= !d_read_pkt;
        else if (wdone_i && wdone_slot_i == Tw'(t)) rdy_q[t] <= 1'b1;
        else if (pop && hslot == Tw'(t)) rdy_q[t] <= 1'b0;
        if ((pop && pop_rel_i && hslot == Tw'(t)) || (rel_i && rel_slot_i == Tw'(t))) rel_q[t] <= 1'b1;
        else if (rc_ok && rcslot == Tw'(t)) rel_q[t] <= 1'b0;
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (start_i) begin
      a_in_q   <= pkt_in_i;
      sa_cap_q <= sa_capacity_i;
    end
    if (take) begin
      desc_q[tslot] <= in_desc_i;
      nxt_q[tslot]  <= {d_dec && !d.flags[DESCRIPTOR_FLAGS_USE_SA_INDEX_BIT], d_enc, d.sa_index};
      base_q[tslot] <= rtail_q[Rw-1:0];
      end_q[tslot]  <= rtail_q + (Rw+1)'(words);
      faddr_q <= a_in_q + d.in_offset;
      flen_q  <= d.in_length;
      fslot_q <= tslot;
    end
  end

  assign f_valid_o = fgo_q;
  assign f_addr_o  = faddr_q;
  assign f_len_o   = flen_q;
  assign f_slot_o  = fslot_q;

  for (genvar t = 0; t < Tickets; t++) begin : g_base
    assign base_o[Rw*t +: Rw] = base_q[t];
  end

  assign tk_o      = take;
  assign tk_slot_o = tslot;
  assign tk_read_o = d_read_pkt;
  assign tk_enc_o  = d_enc;
  assign tk_len_o  = d.in_length;

  assign ready_o      = rdy_q;
  assign head_valid_o = tail_q != head_q && rdy_q[hslot];
  assign head_slot_o  = hslot;
  assign head_desc_o  = desc_q[hslot];
  logic [33:0] nxt;
  logic        nxt_v;
  assign nxt          = nxt_q[hslot + Tw'(1)];
  assign nxt_v        = (tail_q - head_q) >= (Tw+1)'(2);
  assign next_enc_o   = nxt_v && nxt[32];
  assign next_lk_o    = nxt_v && nxt[33];
  assign next_sa_o    = nxt[31:0];
  assign idle_o       = tail_q == rc_q && !fgo_q;   // every ticket popped and released

  logic unused_ps;
  assign unused_ps = ^{d_malformed, d_sa_range, d.out_offset, d.out_capacity, d.rsvd0,
                       d.flags, d.op, beats[31:16]};

endmodule : esp_pkt_stream

`default_nettype wire
