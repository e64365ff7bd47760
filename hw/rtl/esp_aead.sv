// esp_aead: ESP's use of AES-GCM between the two packet buffers
// (hw/rtl/DATAPATH.md "esp_aead"; bit for bit esp::hls::esp_aead).
//
//   req -> A (per-SA key store lookup; miss: H^1..H^4 computed into the SA's slot)
//       -> F (ibuf reads) -> realign -> beat FIFO -> esp_gcm_core -> W (realign, obuf writes)
//                                                         m_tag -> T (ICV write / compare) -> rsp
// (W and T: esp_aead_out.)
//
// Stream given to the core (GCM.md): H header bytes, then the text.
//   H = 16: SPI | seq_lo | IV               (GCM, GMAC; AAD 8 / all for GMAC)
//           SPI | seq_hi | seq_lo | IV[0:4)  (GCM with ESN; AAD 12, 4 padding bytes)
//   H = 20: SPI | seq_hi | seq_lo | IV       (GMAC with ESN: all AAD)
// Stream byte k >= H is ibuf[src_off - H + k]: the reader realigns the ibuf
// words starting at byte src_off - H and puts the header over bytes [0, H)
// (encrypt: from req_spi/req_seq, IV = seq; decrypt: SPI, seq_lo and IV as
// read from ibuf[src_off-16, src_off), seq_hi from req_seq). Decrypt reads
// icv_len bytes more; the ICV is picked out of the realigned stream.
// The writer puts stream byte k at obuf[dst_off - H + k] for k in
// [H, H+len) (encrypt also [H-16, H) with the ESP header SPI|seq_lo|IV);
// T writes the ICV (encrypt) at obuf[dst_off+len) or compares it (decrypt,
// constant time: every byte is looked at whatever the result) and answers.
//
// Throughput: one beat per cycle through the core; per job the reader
// needs one ibuf word more than beats when the text straddles one more word
// (an encrypt with its trailer on the stream does not read the words of the
// trailer's bytes: aead_in_words), the writer one obuf word more likewise,
// but that last (flush) word is written beside the next job's first beat
// when that beat writes nothing (esp_aead_out: a decrypt's plaintext at a
// word boundary). T writes an encrypt's ICV (one or
// two words) through a port of its own (icv_*), beside the writer's
// (obuf_*), so the writer never waits for it: T's job is older than the
// writer's, so the two name different output slots whenever both write in
// one cycle (a caller with one buffer must take both writes). A job is
// looked up (A) while the previous one is read (F); jobs overlap in the
// core. Measured (sim/esp_aead_tb.cpp, cache hit): latency req -> rsp =
// beats + 27..28 cycles; back to back 2.0 / 10.0 / 24.0 / 142.0 cycles per
// job for 64 / 576 / 1500 / 9000-byte texts, also as esp_engine places a
// tunnel packet (at most one more at 1500 B when the text straddles).
// Output slots: each job names its obuf slot (req_oslot_i, kept with the
// job); every obuf write carries the slot of the job it belongs to
// (obuf_slot_o, icv_slot_o), so the caller routes it to that slot while it builds other
// slots (the writer and T of job n, the reader of job n+1). rd_idle_o: no
// job is waiting to be read or being read (the ibuf slot of every job taken
// may be given back; the last word read is in ibuf_rdata_i this cycle).
// Keys: one entry per SA index below MaxSas (esp_key_cache: the tag
// {generation, aes256} and a valid bit; esp_gcm_core's slot = SA index: the
// raw key and H^1..H^4, no round keys: the AES pipe expands the key on the
// fly). A hit costs nothing; a miss (first job of an SA generation) starts
// the key setup (H powers, 36 / 38 cycles) into the slot and is handed over
// at once: its first beat waits in front of the core until the setup is
// done, while earlier jobs go on. A miss waits before starting the setup
// only while an earlier job of the same SA index has not yet read its slot
// in the core (its first beat), or while another setup runs. A wipe request (SA_DELETE; no
// packet, no response) waits likewise, then zeroes the slot (key and H
// powers) and empties the entry. A setup request (SA_INSTALL; no packet,
// no response) starts the setup of a miss likewise and ends at once on a
// hit; a job of the slot whose setup is the last one started waits for it
// (ks_slot_q), whether it started it or hit behind a setup request. After reset the valid bits are swept
// (MaxSas / 64 cycles) before the first request is taken.
`default_nettype none

module esp_aead
  import esp_spec_pkg::*;
  import esp_unit_pkg::*;
  import esp_gcm_pkg::*;
#(
  parameter int unsigned MaxSas = 65536,                           // SA indices with a key entry
  parameter int unsigned OSlotW = 1,                               // obuf slot number
  localparam int unsigned OffW  = PKT_LEN_BITS,                      // buffer byte offsets (pkt_len_t)
  localparam int unsigned LaneW = $clog2(PKT_BUS_BYTES),
  localparam int unsigned WAW   = OffW - LaneW,                    // buffer word address
  localparam int unsigned DW    = 8 * PKT_BUS_BYTES
) (
  input  wire logic                     clk_i,
  input  wire logic                     rst_ni,

  input  wire logic                     req_valid_i,
  output      logic                     req_ready_o,
  input  wire aead_req_t req_i,
  input  wire logic [OSlotW-1:0]        req_oslot_i,       // the job's obuf slot (with req_i)
  output      logic                     rd_idle_o,

  output      logic                     ibuf_re_o,
  output      logic [WAW-1:0]           ibuf_raddr_o,
  input  wire logic [DW-1:0]            ibuf_rdata_i,

  output      logic                     obuf_we_o,
  output      logic [OSlotW-1:0]        obuf_slot_o,
  output      logic [WAW-1:0]           obuf_waddr_o,
  output      logic [PKT_BUS_BYTES-1:0] obuf_wbe_o,
  output      logic [DW-1:0]            obuf_wdata_o,
  output      logic                     icv_we_o,          // T's ICV writes (encrypt): a second obuf write port
  output      logic [OSlotW-1:0]        icv_slot_o,
  output      logic [WAW-1:0]           icv_waddr_o,
  output      logic [PKT_BUS_BYTES-1:0] icv_wbe_o,
  output      logic [DW-1:0]            icv_wdata_o,

  output      logic                     rsp_valid_o,
  input  wire logic                     rsp_ready_i,
  output      aead_rsp_t rsp_o
);

  localparam int unsigned NB      = PKT_BUS_BYTES;
  localparam int unsigned SlotW   = MaxSas > 1 ? $clog2(MaxSas) : 1;
  localparam int unsigned CntW    = OffW - LaneW + 2;               // words / beats of a job
  localparam int unsigned LenW    = OffW + 2;                       // stream bytes
  localparam int unsigned EspB    = AeadEspB;                       // SPI | seq_lo | IV
  localparam int unsigned SeqHiB  = AeadSeqHiB;                     // seq_hi in the ESN AAD
  localparam int unsigned MaxJobs = 16;                             // jobs between F and rsp
  localparam int unsigned BeatQ   = 8;                              // beat FIFO depth

  // ------------------------------------------------------------- helpers
  // A big-endian value of n bytes at stream lanes [off, off+n) of a beat.
  function automatic logic [DW-1:0] lanes_of_be(input logic [8*(EspB+SeqHiB)-1:0] v, input int unsigned n);
    logic [DW-1:0] r;
    r = '0;
    for (int unsigned i = 0; i < EspB + SeqHiB; i++) begin
      if (i < n) r[8*i +: 8] = v[8*(n-1-i) +: 8];
    end
    return r;
  endfunction

  // ================================================================== A
  // Accept, key cache lookup, key setup on a miss.
  typedef enum logic [1:0] {AIdle, ALook, AWait, AReady} a_state_e;

  a_state_e         a_state_q, a_state_d;
  logic             a_enc_q, a_gmac_q, a_esn_q, a_aes256_q, a_wipe_q, a_setup_q;
  logic             a_nojob;   // a wipe or a setup: no job follows
  // Key setups are numbered as they start (one at a time, in job order): a
  // job that started one waits only for that one (KseqW bits: more than the
  // jobs between A and the core), not for a later job's.
  localparam int unsigned KseqW = $clog2(MaxJobs) + 1;
  logic [KseqW-1:0] kseq_q;
  // the slot of the last setup started (ks_v_q): a job of that slot, the
  // one that started it or a hit behind a setup request, waits for it
  logic             ks_v_q;
  logic [SlotW-1:0] ks_slot_q;
  logic [255:0]     a_key_q;
  logic [31:0]      a_salt_q, a_spi_q;
  logic [63:0]      a_seq_q;
  logic [OffW-1:0]  a_src_q, a_dst_q, a_len_q;
  logic [4:0]       a_icv_q;
  logic             a_trl_q;
  logic [OffW-1:0]  a_pay_q;
  logic [7:0]       a_nh_q;
  logic [OSlotW-1:0] a_oslot_q;
  logic             req_fire, handover;
  logic             kc_init, kc_hit, kc_busy, kc_fill, kc_pop;
  logic [SlotW-1:0] kc_slot;
  logic             key_valid, key_ready;

  esp_key_cache #(
    .Entries (MaxSas),
    .MaxUse  (MaxJobs)
  ) u_key_cache (
    .clk_i           (clk_i),
    .rst_ni          (rst_ni),
    .init_done_o     (kc_init),
    .lk_valid_i      (req_fire),
    .lk_sa_index_i   (req_i.sa_index),
    .lk_generation_i (req_i.generation),
    .lk_aes256_i     (req_i.aes256),
    .lk_hit_o        (kc_hit),
    .lk_slot_o       (kc_slot),
    .lk_busy_o       (kc_busy),
    .fill_i          (kc_fill && !a_wipe_q),
    .inv_i           (kc_fill && a_wipe_q),
    .use_push_i      (handover),
    .use_pop_i       (kc_pop)
  );

  assign a_nojob     = a_wipe_q || a_setup_q;
  assign req_ready_o = kc_init && ((a_state_q == AIdle) || handover);
  assign req_fire    = req_valid_i && req_ready_o;
  // A miss (or a wipe) is issued from ALook or AWait once no earlier job of
  // the same slot still has to read it, and the key setup is idle; a setup
  // request whose entry hits ends at once.
  assign key_valid   = ((a_state_q == AWait) || (a_state_q == ALook && !(kc_hit && !a_wipe_q))) && !kc_busy;
  assign kc_fill     = key_valid && key_ready;

  always_comb begin
    a_state_d = a_state_q;
    unique case (a_state_q)
      AIdle:   if (req_fire) a_state_d = ALook;
      ALook:   a_state_d = (kc_hit && !a_wipe_q) ? (a_setup_q ? AIdle : AReady) :
                           (kc_fill ? (a_nojob ? AIdle : AReady) : AWait);
      AWait:   if (kc_fill) a_state_d = a_nojob ? AIdle : AReady;
      AReady:  ;
      default: a_state_d = AIdle;
    endcase
    if (handover) a_state_d = req_fire ? ALook : AIdle;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      a_state_q <= AIdle;
      kseq_q    <= '0;
      ks_v_q    <= 1'b0;
    end else begin
      a_state_q <= a_state_d;
      if (kc_fill) kseq_q <= kseq_q + 1'b1;
      if (kc_fill) ks_v_q <= !a_wipe_q;
    end
  end

  always_ff @(posedge clk_i) begin
    if (kc_fill) ks_slot_q <= kc_slot;
    if (req_fire) begin
      a_wipe_q   <= req_i.wipe;
      a_setup_q  <= req_i.setup;
      a_enc_q    <= req_i.encrypt;
      a_gmac_q   <= req_i.gmac;
      a_esn_q    <= req_i.esn;
      a_aes256_q <= req_i.aes256;
      a_key_q    <= req_i.key;
      a_salt_q   <= req_i.salt;
      a_spi_q    <= req_i.spi;
      a_seq_q    <= req_i.seq;
      a_src_q    <= req_i.src_off;
      a_dst_q    <= req_i.dst_off;
      a_len_q    <= req_i.len;
      a_icv_q    <= req_i.icv_len;
      a_trl_q    <= req_i.encrypt && req_i.trl;
      a_pay_q    <= req_i.pay_len;
      a_nh_q     <= req_i.nh;
      a_oslot_q  <= req_oslot_i;
    end
  end

  // ================================================================== F
  // The job being read from ibuf, and its context for the realigner.
  typedef struct packed {
    logic             enc, gmac, esn;
    logic             kwait;     // its key setup may still run: the first beat waits
    logic [KseqW-1:0] kseq;      // (kwait) the number of that setup
    logic [SlotW-1:0] slot;
    logic [31:0]      salt, spi;
    logic [63:0]      seq;
    logic [4:0]       hlen;      // H
    logic [LaneW-1:0] shift;     // (src_off - H) mod NB
    logic [LenW-1:0]  plen;      // H + len: stream bytes to the core (ICV position)
    logic [CntW-1:0]  nc, nv;    // beats to the core / beats incl. the ICV (decrypt)
    logic             trl;       // encrypt: the trailer on the stream from stream byte pend
    logic [LenW-1:0]  pend;      // H + pay_len
    logic [7:0]       pad, nh;   // P, the next header
  } fctx_t;

  fctx_t            f_ctx_q, a_ctx;
  logic             f_busy_q, f_rd, f_last;
  logic [WAW-1:0]   f_w0_q, a_w0;
  logic [CntW-1:0]  f_k_q, f_nw_q, a_nw;
  logic             f_flush_q, a_flush;
  logic [$clog2(BeatQ):0]   pend_q;      // beats promised to the beat FIFO, not yet taken by the core
  logic [$clog2(MaxJobs):0] jobs_q;      // jobs taken by F, not yet answered
  logic [1:0]       f_caused;
  logic             bq_pop, t_done, jq_wready;

  always_comb begin
    logic [OffW-1:0] base;
    logic [LenW-1:0] lv;
    a_ctx.enc   = a_enc_q;
    a_ctx.gmac  = a_gmac_q;
    a_ctx.esn   = a_esn_q;
    a_ctx.kwait = ks_v_q && ks_slot_q == kc_slot;   // (a job that started its setup too)
    a_ctx.kseq  = kseq_q;
    a_ctx.slot  = kc_slot;
    a_ctx.salt  = a_salt_q;
    a_ctx.spi   = a_spi_q;
    a_ctx.seq   = a_seq_q;
    a_ctx.hlen  = 5'(EspB) + ((a_gmac_q && a_esn_q) ? 5'(SeqHiB) : 5'd0);
    base        = a_src_q - OffW'(a_ctx.hlen);
    a_ctx.shift = base[LaneW-1:0];
    a_w0        = base[OffW-1:LaneW];
    a_ctx.plen  = LenW'(a_ctx.hlen) + LenW'(a_len_q);
    a_ctx.trl   = a_trl_q;
    a_ctx.pend  = LenW'(a_ctx.hlen) + LenW'(a_pay_q);
    a_ctx.pad   = 8'(a_len_q - a_pay_q - OffW'(ESP_TRAILER_BYTES));
    a_ctx.nh    = a_nh_q;
    lv          = a_ctx.plen + (a_enc_q ? '0 : LenW'(a_icv_q));
    a_ctx.nc    = CntW'((a_ctx.plen + LenW'(NB - 1)) >> LaneW);
    a_ctx.nv    = CntW'((lv + LenW'(NB - 1)) >> LaneW);
    // the words read (esp_unit_pkg::aead_in_words, which esp_aead_tickets counts too)
    a_nw        = CntW'(aead_in_words(a_enc_q, a_gmac_q, a_esn_q, a_src_q, a_len_q, a_icv_q, a_trl_q, a_pay_q));
    a_flush     = (a_nw == a_ctx.nv);     // the last beat needs no further word
  end

  assign f_last   = (f_k_q == f_nw_q - 1'b1);
  assign f_rd     = f_busy_q && (pend_q <= ($clog2(BeatQ)+1)'(BeatQ - 2));
  assign handover = (a_state_q == AReady || (a_state_q == ALook && kc_hit && !a_nojob)) &&
                    (!f_busy_q || (f_rd && f_last)) &&
                    (jobs_q < ($clog2(MaxJobs)+1)'(MaxJobs)) && jq_wready;

  // Beats the read of word k will emit into the beat FIFO (beat k-1, and the
  // last beat one cycle later when no further word is needed).
  always_comb begin
    f_caused = '0;
    if (f_k_q != '0 && (f_k_q - 1'b1) < f_ctx_q.nc) f_caused = f_caused + 2'd1;
    if (f_last && f_flush_q && f_ctx_q.nv == f_ctx_q.nc) f_caused = f_caused + 2'd1;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      f_busy_q <= 1'b0;
      f_k_q    <= '0;
      pend_q   <= '0;
      jobs_q   <= '0;
    end else begin
      if (handover) begin
        f_busy_q <= 1'b1;
        f_k_q    <= '0;
      end else if (f_rd) begin
        f_k_q <= f_k_q + 1'b1;
        if (f_last) f_busy_q <= 1'b0;
      end
      pend_q <= pend_q + (f_rd ? ($clog2(BeatQ)+1)'(f_caused) : '0) - ($clog2(BeatQ)+1)'(bq_pop);
      jobs_q <= jobs_q + ($clog2(MaxJobs)+1)'(handover) - ($clog2(MaxJobs)+1)'(t_done);
    end
  end

  always_ff @(posedge clk_i) begin
    if (handover) begin
      f_ctx_q   <= a_ctx;
      f_w0_q    <= a_w0;
      f_nw_q    <= a_nw;
      f_flush_q <= a_flush;
    end
  end

  assign ibuf_re_o    = f_rd;
  assign ibuf_raddr_o = f_w0_q + WAW'(f_k_q);

  // ================================================================== R
  // Realign: beat j = bytes [j*NB, j*NB+NB) of {word j+1, word j} >> shift.
  logic            r_v_q, r_last_q, r_flush_q;
  logic [CntW-1:0] r_k_q;
  fctx_t           r_ctx_q;          // the job of a word 0 in flight
  fctx_t           e_ctx_q, e_ctx;   // the job being emitted
  logic [DW-1:0]   e_prev_q;         // previous word
  logic [DW-1:0]   e_pbeat_q;        // previous beat (ICV across two beats)
  logic            e_flush_q;        // the last beat of e_ctx_q is due
  logic            emit;
  logic [CntW-1:0] ej;
  logic [DW-1:0]   eraw, ebeat;
  logic [2*DW-1:0] ewin;
  logic [LaneW-1:0] eshift;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      r_v_q     <= 1'b0;
      e_flush_q <= 1'b0;
    end else begin
      r_v_q     <= f_rd;
      e_flush_q <= r_v_q && r_last_q && r_flush_q;
    end
  end

  always_ff @(posedge clk_i) begin
    r_k_q     <= f_k_q;
    r_last_q  <= f_last;
    r_flush_q <= f_flush_q;
    if (f_rd && f_k_q == '0) r_ctx_q <= f_ctx_q;
    if (r_v_q) e_prev_q <= ibuf_rdata_i;
    if (r_v_q && r_k_q == '0) e_ctx_q <= r_ctx_q;
    if (emit) e_pbeat_q <= ebeat;
  end

  // A word k >= 1 emits beat k-1 of its job (e_ctx_q); otherwise the pending
  // last beat of the previous job (e_ctx_q too: a word 0 replaces e_ctx_q
  // only at the end of the cycle).
  assign e_ctx  = e_ctx_q;
  assign emit   = (r_v_q && r_k_q != '0) || e_flush_q;
  assign ej     = (r_v_q && r_k_q != '0) ? r_k_q - 1'b1 : e_ctx.nv - 1'b1;
  assign eshift = e_ctx.shift;
  assign ewin   = {((r_v_q && r_k_q != '0) ? ibuf_rdata_i : '0), e_prev_q};
  assign eraw   = ewin[8*eshift +: DW];

  // The header over stream bytes [0, H) of beat 0; the nonce.
  logic [8*EspB-1:0]          esp_raw;
  logic [31:0]                h_spi, h_seqlo;
  logic [63:0]                h_iv;
  logic [8*(EspB+SeqHiB)-1:0] h_be;
  logic [DW-1:0]              h_lanes;
  logic [NB-1:0]              h_mask;

  always_comb begin
    for (int unsigned i = 0; i < EspB; i++) begin
      esp_raw[8*(EspB-1-i) +: 8] = eraw[8*(i + ((e_ctx.hlen == 5'(EspB)) ? 0 : SeqHiB)) +: 8];
    end
    h_spi   = e_ctx.enc ? e_ctx.spi      : esp_raw[8*EspB-1 -: 32];
    h_seqlo = e_ctx.enc ? e_ctx.seq[31:0] : esp_raw[8*EspB-33 -: 32];
    h_iv    = e_ctx.enc ? e_ctx.seq      : esp_raw[63:0];
    if (e_ctx.esn) begin
      h_be    = {h_spi, e_ctx.seq[63:32], h_seqlo, h_iv};
      h_lanes = lanes_of_be(h_be, EspB + SeqHiB);
    end else begin
      h_be    = {h_spi, h_seqlo, h_iv, 32'd0};
      h_lanes = lanes_of_be(h_be, EspB + SeqHiB);
    end
    h_mask = aead_prefix((LaneW+1)'(e_ctx.hlen));
    ebeat  = eraw;
    if (ej == '0) ebeat = (eraw & ~aead_bytemask(h_mask)) | (h_lanes & aead_bytemask(h_mask));
    // the ESP trailer (encrypt with trl): stream byte k in [pend, plen) is
    // pad byte k - pend + 1, then P, then nh (what esp_trailer's BUILD
    // would have written into ibuf behind the payload)
    for (int unsigned l = 0; l < NB; l++) begin
      logic [LenW-1:0] k, rel;
      k   = LenW'({ej, LaneW'(0)}) + LenW'(l);
      rel = k - e_ctx.pend;
      if (e_ctx.trl && k >= e_ctx.pend && k < e_ctx.plen) begin
        ebeat[8*l +: 8] = rel < LenW'(e_ctx.pad) ? 8'(rel) + 8'd1 : (rel == LenW'(e_ctx.pad) ? e_ctx.pad : e_ctx.nh);
      end
    end
  end

  // To the core: beats j < nc.
  typedef struct packed {
    logic [DW-1:0]    data;
    logic [NB-1:0]    keep;
    logic             first, last;
    logic             kwait;
    logic [KseqW-1:0] kseq;
    gcm_mode_e        mode;
    logic [SlotW-1:0] slot;
    logic [95:0]      iv;
    logic [3:0]       aad;
  } bq_t;

  bq_t           bq_in, bq_out;
  logic          bq_push, bq_valid;
  logic [LaneW:0] e_rest;

  always_comb begin
    e_rest       = (LaneW+1)'(e_ctx.plen - LenW'({ej, LaneW'(0)}));
    bq_in.data   = ebeat;
    bq_in.first  = (ej == '0);
    bq_in.kwait  = e_ctx.kwait;
    bq_in.kseq   = e_ctx.kseq;
    bq_in.last   = (ej == e_ctx.nc - 1'b1);
    bq_in.keep   = bq_in.last ? aead_prefix(e_rest) : '1;
    bq_in.mode   = e_ctx.gmac ? GcmGmac : (e_ctx.enc ? GcmEncrypt : GcmDecrypt);
    bq_in.slot   = e_ctx.slot;
    bq_in.iv     = {e_ctx.salt, h_iv};
    bq_in.aad    = 4'(ESP_HDR_BYTES) + (e_ctx.esn ? 4'(SeqHiB) : 4'd0);
  end

  assign bq_push = emit && (ej < e_ctx.nc);

  logic                    unused_bq_wready;
  logic [$clog2(BeatQ):0]  unused_bq_count;

  esp_fifo_sync #(
    .Width ($bits(bq_t)),
    .Depth (BeatQ)
  ) u_beat_q (
    .clk_i    (clk_i),
    .rst_ni   (rst_ni),
    .wvalid_i (bq_push),
    .wready_o (unused_bq_wready),
    .wdata_i  (bq_in),
    .rvalid_o (bq_valid),
    .rready_i (bq_pop),
    .rdata_o  (bq_out),
    .count_o  (unused_bq_count)
  );

  // The ICV (decrypt) from the job's last two beats; lane order.
  logic [2*DW+127:0] iwin;
  logic [LaneW:0]    ioff;
  logic [127:0]      icv_in;
  logic              iq_push;

  assign iwin    = {128'd0, ebeat, e_pbeat_q};
  assign ioff    = (LaneW+1)'(e_ctx.plen - LenW'({ej, LaneW'(0)})) + (LaneW+1)'(NB);
  assign icv_in  = iwin[8*ioff +: 128];
  assign iq_push = emit && (ej == e_ctx.nv - 1'b1);

  // ============================================================== core
  logic            c_valid, c_ready, c_ovalid, c_oready, unused_c_olast, c_tvalid, c_tready;
  logic [DW-1:0]   c_odata;
  logic [NB-1:0]   unused_c_okeep;
  logic [127:0]    c_tag;
  logic            unused_c_ouser, unused_c_tuser;

  // A job whose key setup was started for it enters the core once that
  // setup is done (its slot written): the setup running is this job's when
  // it is the last one started (kseq); a later job's setup (another slot,
  // esp_key_cache's busy rule) does not hold it (until milestone 7 it did,
  // a bubble of up to 11 cycles per cold-key packet once the head issued
  // its requests early).
  assign c_valid = bq_valid && !(bq_out.first && bq_out.kwait && !key_ready && bq_out.kseq == kseq_q);
  assign bq_pop  = c_valid && c_ready;
  assign kc_pop = bq_pop && bq_out.first;     // the job's slot read (core S0)

  esp_gcm_core #(
    .NumKeys (MaxSas),
    .UserW   (1),
    .LenW    (LenW)
  ) u_core (
    .clk_i             (clk_i),
    .rst_ni            (rst_ni),
    .key_valid_i       (key_valid),
    .key_ready_o       (key_ready),
    .key_slot_i        (kc_slot),
    .key_wipe_i        (a_wipe_q),
    .key_klen_i        (a_aes256_q ? esp_aes_pkg::AesKlen256 : esp_aes_pkg::AesKlen128),
    .key_i             (a_key_q),
    .s_axis_tvalid_i   (c_valid),
    .s_axis_tready_o   (c_ready),
    .s_axis_tdata_i    (bq_out.data),
    .s_axis_tkeep_i    (bq_out.keep),
    .s_axis_tlast_i    (bq_out.last),
    .s_axis_tuser_i    (1'b0),
    .s_axis_mode_i     (bq_out.mode),
    .s_axis_key_slot_i (bq_out.slot),
    .s_axis_iv_i       (bq_out.iv),
    .s_axis_aad_len_i  (LenW'(bq_out.aad)),
    .m_axis_tvalid_o   (c_ovalid),
    .m_axis_tready_i   (c_oready),
    .m_axis_tdata_o    (c_odata),
    .m_axis_tkeep_o    (unused_c_okeep),
    .m_axis_tlast_o    (unused_c_olast),
    .m_axis_tuser_o    (unused_c_ouser),
    .m_tag_valid_o     (c_tvalid),
    .m_tag_ready_i     (c_tready),
    .m_tag_o           (c_tag),
    .m_tag_user_o      (unused_c_tuser)
  );

  // ======================================================== W, T: rsp
  esp_aead_out #(
    .OSlotW  (OSlotW),
    .MaxJobs (MaxJobs)
  ) u_out (
    .clk_i        (clk_i),
    .rst_ni       (rst_ni),
    .job_push_i   (handover),
    .job_ready_o  (jq_wready),
    .job_enc_i    (a_enc_q),
    .job_hlen_i   (a_ctx.hlen),
    .job_dst_i    (a_dst_q),
    .job_len_i    (a_len_q),
    .job_icv_i    (a_icv_q),
    .job_spi_i    (a_spi_q),
    .job_seq_i    (a_seq_q),
    .job_oslot_i  (a_oslot_q),
    .icv_push_i   (iq_push),
    .icv_i        (icv_in),
    .c_ovalid_i   (c_ovalid),
    .c_oready_o   (c_oready),
    .c_odata_i    (c_odata),
    .c_tvalid_i   (c_tvalid),
    .c_tready_o   (c_tready),
    .c_tag_i      (c_tag),
    .done_o       (t_done),
    .obuf_we_o,
    .obuf_slot_o,
    .obuf_waddr_o,
    .obuf_wbe_o,
    .obuf_wdata_o,
    .icv_we_o,
    .icv_slot_o,
    .icv_waddr_o,
    .icv_wbe_o,
    .icv_wdata_o,
    .rsp_valid_o,
    .rsp_ready_i,
    .rsp_o
  );

  assign rd_idle_o = (a_state_q == AIdle) && !f_busy_q;

endmodule : esp_aead

`default_nettype wire
