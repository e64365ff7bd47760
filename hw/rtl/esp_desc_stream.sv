// esp_desc_stream: the descriptor ring read as a stream (the fetch stage's
// descriptor reader, hw/rtl/README.md "Stages").
//
// Descriptor i is at slot i mod 2^ring_log2 of desc_ring; a run takes them
// from ring_first up to the live DESC_PROD (the host may advance it while
// the run goes on) and nothing after a STOP (hw/spec/CONTRACT.md "A run and
// its ring"). The reader asks esp_mem_access for streaming reads (its d_*
// client: d_valid_o held until d_acc_i, the beats come back in order) of as
// many descriptors as are published, up to the ring's end and MaxBurst
// (4 KiB), while the FIFO has room for them and every read in flight; up to
// Jobs reads are in flight. The beats are cut into descriptors (the ring
// needs only 8-byte alignment: a descriptor may straddle two beats, a beat
// completes at most two) and written into the FIFO RAM, two banks of
// Depth/2 descriptors (even and odd positions), one synchronous read port
// each; once a STOP is written nothing more is (the rest of the reads in
// flight is dropped). The FIFO hands out one descriptor per cycle (out_*,
// first-word fall-through from a registered read).
`default_nettype none

module esp_desc_stream
  import esp_spec_pkg::*;
#(
  parameter int unsigned Depth = 256,     // FIFO: descriptors read ahead (a power of two)
  parameter int unsigned Jobs = 8,        // reads in flight
  parameter int unsigned MaxBurst = 4096 / DESCRIPTOR_SIZE,
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES,
  localparam int unsigned DescW = 8 * DESCRIPTOR_SIZE,
  localparam int unsigned Qw = $clog2(Depth)
) (
  input  wire logic              clk_i,
  input  wire logic              rst_ni,

  input  wire logic              start_i,
  input  wire logic [63:0]       desc_ring_i,
  input  wire logic [31:0]       ring_first_i,
  input  wire logic [31:0]       ring_mask_i,     // 2^ring_log2 - 1
  input  wire logic [31:0]       desc_prod_i,     // DESC_PROD, live
  output      logic              idle_o,          // no read in flight, nothing in the FIFO
  output      logic [31:0]       taken_o,         // the index after the last descriptor written

  // esp_mem_access, descriptor client
  output      logic              d_valid_o,
  output      logic [63:0]       d_addr_o,
  output      logic [31:0]       d_len_o,
  input  wire logic              d_acc_i,
  input  wire logic              d_beat_i,
  input  wire logic [Dw-1:0]     d_data_i,

  // the descriptors, in order
  output      logic              out_valid_o,
  output      logic [DescW-1:0]  out_desc_o,
  input  wire logic              out_pop_i
);

  localparam int unsigned BeatShift = $clog2(PKT_BUS_BYTES);
  localparam int unsigned DescShift = $clog2(DESCRIPTOR_SIZE);
  localparam int unsigned Nw = $clog2(MaxBurst + 1);
  localparam int unsigned Jw = $clog2(Jobs);
  // Byte offsets in the window {beat, previous beat} (2 beats) at which the
  // next descriptor of a job can start: past the first DESCRIPTOR_SIZE - 1
  // bytes of the previous beat (else it would have been complete there).
  localparam int unsigned WinBytes = 2 * PKT_BUS_BYTES;
  localparam int unsigned LastStart = WinBytes - DESCRIPTOR_SIZE;   // the last start completing in the window
  localparam int unsigned FirstStart = PKT_BUS_BYTES - DESCRIPTOR_SIZE + CTL_WORD_BYTES;
  localparam int unsigned WordShift = $clog2(CTL_WORD_BYTES);
  localparam int unsigned Ow = $clog2(WinBytes);

  // sanity: a beat holds two descriptors
  if (PKT_BUS_BYTES != 2 * DESCRIPTOR_SIZE) begin : g_bad_sizes
    $error("esp_desc_stream: a bus beat must hold two descriptors");
  end

  logic [63:0] ring_q;
  logic [31:0] mask_q;

  // --------------------------------------------------------------- reads
  logic [31:0]   ridx_q;            // next descriptor to ask for
  logic          stop_q;            // a STOP was written: nothing after it
  logic [Qw:0]   wp_q, shown_q;     // FIFO positions (written, shown at out_*)
  logic [Qw:0]   fly_q;             // descriptors asked for, not yet through
  logic          req_q;             // d_valid_o
  logic [63:0]   raddr_q;
  logic [Nw-1:0] rn_q;
  logic [31:0]   avail, to_end, space, want, n;
  logic          issue;

  // jobs in flight: their descriptor count and the first descriptor's byte
  // offset in its beat
  logic                   jq_push, jq_pop, jq_ready, jq_valid;
  logic [Nw-1:0]          jq_n;
  logic [BeatShift-1:0]   jq_lo;
  logic [Jw:0]            jq_count;

  assign avail  = stop_q ? '0 : desc_prod_i - ridx_q;
  assign to_end = mask_q - (ridx_q & mask_q) + 32'd1;
  logic [Qw:0]   held;
  logic [63:0]   raddr;             // descriptor ridx_q's address (its ring slot rslot)
  assign held   = wp_q - shown_q;
  logic [31:0]   rslot;
  assign rslot  = ridx_q & mask_q;
  assign raddr  = ring_q + (64'(rslot) << DescShift);
  assign space  = 32'(Depth) - 32'(held) - 32'(fly_q);
  always_comb begin
    want = avail;
    if (to_end < want) want = to_end;
    if (32'(MaxBurst) < want) want = 32'(MaxBurst);
    n = want;
    if (space < n) n = space;
  end
  // a read as long as allowed, or a shorter one once the FIFO has much room
  assign issue = !req_q && jq_ready && n != '0 && (n == want || space >= 32'(Depth / 4));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ridx_q <= '0;
      req_q  <= 1'b0;
    end else if (start_i) begin
      ridx_q <= ring_first_i;
      req_q  <= 1'b0;
    end else begin
      if (d_acc_i) req_q <= 1'b0;
      if (issue) begin
        req_q  <= 1'b1;
        ridx_q <= ridx_q + n;
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (start_i) begin
      ring_q <= desc_ring_i;
      mask_q <= ring_mask_i;
    end
    if (issue) begin
      raddr_q <= raddr;
      rn_q    <= Nw'(n);
    end
  end

  assign d_valid_o = req_q;
  assign d_addr_o  = raddr_q;
  assign d_len_o   = 32'(rn_q) << DescShift;

  assign jq_push = issue;
  esp_fifo_sync #(
    .Width (Nw + BeatShift),
    .Depth (Jobs)
  ) u_jobs (
    .clk_i,
    .rst_ni,
    .wvalid_i (jq_push),
    .wready_o (jq_ready),
    .wdata_i  ({Nw'(n), raddr[BeatShift-1:0]}),
    .rvalid_o (jq_valid),
    .rready_i (jq_pop),
    .rdata_o  ({jq_n, jq_lo}),
    .count_o  (jq_count)
  );

  // ---------------------------------------------------------------- beats
  // off: where the job's next descriptor starts in the window {beat,
  // previous beat}; rem: its descriptors not yet through
  logic            jfirst_q;
  logic [Ow-1:0]   off_q, off;
  logic [Nw-1:0]   rem_q, rem;
  logic [Dw-1:0]   prev_q;
  logic [2*Dw-1:0] win;
  logic            c0, c1, w0, w1;
  logic [1:0]      cnt;
  logic [DescW-1:0] d0, d1;
  logic            stop0, stop1;

  assign off = jfirst_q ? Ow'(PKT_BUS_BYTES) + Ow'(jq_lo) : off_q;
  assign rem = jfirst_q ? jq_n : rem_q;
  assign win = {d_data_i, prev_q};
  assign c0  = d_beat_i && rem != '0 && 32'(off) <= LastStart;
  assign c1  = c0 && rem != Nw'(1) && 32'(off) + DESCRIPTOR_SIZE <= LastStart;
  assign cnt = 2'(c0) + 2'(c1);
  // (the starts that complete: FirstStart .. LastStart in 8-byte steps)
  // (d1 only when off + DESCRIPTOR_SIZE <= LastStart: i0 < 4)
  logic [Ow-1:0] i0;
  assign i0  = (off - Ow'(FirstStart)) >> WordShift;
  assign d0  = win[8*(FirstStart + CTL_WORD_BYTES * 32'(i0[2:0])) +: DescW];
  assign d1  = win[8*(FirstStart + DESCRIPTOR_SIZE + CTL_WORD_BYTES * 32'(i0[1:0])) +: DescW];
  assign stop0 = d0[8*DESCRIPTOR_OP_OFFSET +: 8] == OPCODE_STOP;
  assign stop1 = d1[8*DESCRIPTOR_OP_OFFSET +: 8] == OPCODE_STOP;
  // written into the FIFO: not after a STOP
  assign w0 = c0 && !stop_q;
  assign w1 = c1 && !stop_q && !stop0;
  assign jq_pop = d_beat_i && rem == Nw'(cnt);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      jfirst_q <= 1'b1;
      off_q    <= '0;
      rem_q    <= '0;
      stop_q   <= 1'b1;
      fly_q    <= '0;
    end else begin
      if (d_beat_i) begin
        jfirst_q <= jq_pop;
        off_q    <= off + Ow'(32'(cnt) << DescShift) - Ow'(PKT_BUS_BYTES);
        rem_q    <= rem - Nw'(cnt);
      end
      fly_q <= fly_q + (issue ? (Qw+1)'(n) : '0) - (Qw+1)'(cnt);
      if (start_i) stop_q <= 1'b0;
      else if ((w0 && stop0) || (w1 && stop1)) stop_q <= 1'b1;
    end
  end

  always_ff @(posedge clk_i) begin
    if (d_beat_i) prev_q <= d_data_i;
  end

  // ----------------------------------------------------------------- FIFO
  // position p in bank p[0], entry p[Qw-1:1]
  localparam int unsigned Half = Depth / 2;
  logic [DescW-1:0] bank0_q [Half];
  logic [DescW-1:0] bank1_q [Half];
  logic [DescW-1:0] rd0_q, rd1_q;
  logic [Qw:0]      wpa, wpb;         // positions of the two writes
  logic             we_even, we_odd;
  logic [DescW-1:0] wd_even, wd_odd;
  logic [Qw-2:0]    wa_even, wa_odd;
  logic [Qw:0]      ra;               // the position read this cycle
  logic             ovalid_q;

  assign wpa = wp_q;
  assign wpb = wp_q + (Qw+1)'(1);
  always_comb begin
    we_even = 1'b0;
    we_odd  = 1'b0;
    wd_even = d0;
    wd_odd  = d0;
    wa_even = wpa[Qw-1:1];
    wa_odd  = wpa[Qw-1:1];
    if (w0) begin
      if (wpa[0]) begin we_odd = 1'b1; wd_odd = d0; wa_odd = wpa[Qw-1:1]; end
      else begin we_even = 1'b1; wd_even = d0; wa_even = wpa[Qw-1:1]; end
    end
    if (w1) begin
      if (wpb[0]) begin we_odd = 1'b1; wd_odd = d1; wa_odd = wpb[Qw-1:1]; end
      else begin we_even = 1'b1; wd_even = d1; wa_even = wpb[Qw-1:1]; end
    end
  end

  always_ff @(posedge clk_i) begin
    if (we_even) bank0_q[wa_even] <= wd_even;
    if (we_odd) bank1_q[wa_odd] <= wd_odd;
    rd0_q <= bank0_q[ra[Qw-1:1]];
    rd1_q <= bank1_q[ra[Qw-1:1]];
  end

  // The read this cycle is of the position shown next cycle: the one after
  // the shown one when it is taken (or not valid yet), else the same again.
  // A position shows valid once its write was before the read.
  logic take;
  assign take = out_pop_i && ovalid_q;
  assign ra   = shown_q + (Qw+1)'(take);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wp_q     <= '0;
      shown_q  <= '0;
      ovalid_q <= 1'b0;
    end else if (start_i) begin
      wp_q     <= '0;
      shown_q  <= '0;
      ovalid_q <= 1'b0;
    end else begin
      wp_q     <= wp_q + (Qw+1)'(w0) + (Qw+1)'(w1);
      shown_q  <= ra;
      ovalid_q <= ra != wp_q;
    end
  end

  logic [31:0] tidx_q;
  always_ff @(posedge clk_i) begin
    if (start_i) tidx_q <= ring_first_i;
    else tidx_q <= tidx_q + 32'(w0) + 32'(w1);
  end

  assign out_valid_o = ovalid_q;
  assign out_desc_o  = shown_q[0] ? rd1_q : rd0_q;
  assign taken_o     = tidx_q;
  assign idle_o      = !req_q && !jq_valid && fly_q == '0 && wp_q == shown_q && !ovalid_q;

  logic unused_ds;
  assign unused_ds = ^{jq_count, i0[Ow-1:3], wpa[Qw], wpb[Qw], raddr[63:BeatShift]};

endmodule : esp_desc_stream

`default_nettype wire
