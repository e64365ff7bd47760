// esp_aead_out: esp_aead's output side (hw/rtl/DATAPATH.md "esp_aead"):
// the per-job queues, W (the writer: esp_gcm_core's beats realigned into
// obuf words) and T (an encrypt's ICV written through a port of its own, a
// decrypt's compared in constant time; the answer). esp_aead hands each job
// over here in the cycle its reader takes it (job_*), and a decrypt's
// received ICV when the job's last beat is emitted (icv_push_i, icv_i).
//
// Word m of a job = obuf word (dst_off - H) / NB + m: lane L holds stream
// byte NB*m - t + L, t = (dst_off - H) mod NB, i.e. {beat m, beat m-1} from
// byte NB - t. Stream bytes [H, H + len) are the text (encrypt also
// [H - 16, H): SPI | seq_lo | IV); T writes the ICV at obuf[dst_off + len).
// One step per beat: a job whose last word needs no further beat (t > 0
// and the text ends within NB - t of a beat's end: the flush word) writes
// it in the cycle after its last beat from registers (fl_*), and the next
// job takes its first beat in that cycle when that beat writes nothing.
// done_o: a job is answered (the response register is written).
`default_nettype none

module esp_aead_out
  import esp_spec_pkg::*;
  import esp_unit_pkg::*;
#(
  parameter int unsigned OSlotW  = 1,                              // obuf slot number
  parameter int unsigned MaxJobs = 16,                             // jobs between F and rsp
  localparam int unsigned OffW   = PKT_LEN_BITS,
  localparam int unsigned LaneW  = $clog2(PKT_BUS_BYTES),
  localparam int unsigned WAW    = OffW - LaneW,
  localparam int unsigned DW     = 8 * PKT_BUS_BYTES
) (
  input  wire logic                     clk_i,
  input  wire logic                     rst_ni,

  // a job, in the cycle esp_aead's reader takes it
  input  wire logic                     job_push_i,
  output      logic                     job_ready_o,
  input  wire logic                     job_enc_i,
  input  wire logic [4:0]               job_hlen_i,        // H
  input  wire logic [OffW-1:0]          job_dst_i,
  input  wire logic [OffW-1:0]          job_len_i,
  input  wire logic [4:0]               job_icv_i,
  input  wire logic [31:0]              job_spi_i,
  input  wire logic [63:0]              job_seq_i,
  input  wire logic [OSlotW-1:0]        job_oslot_i,
  // a decrypt's received ICV (lane order), in job order
  input  wire logic                     icv_push_i,
  input  wire logic [127:0]             icv_i,

  // esp_gcm_core's output beats and tags
  input  wire logic                     c_ovalid_i,
  output      logic                     c_oready_o,
  input  wire logic [DW-1:0]            c_odata_i,
  input  wire logic                     c_tvalid_i,
  output      logic                     c_tready_o,
  input  wire logic [127:0]             c_tag_i,

  output      logic                     done_o,

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
  output      aead_rsp_t                rsp_o
);

  localparam int unsigned NB     = PKT_BUS_BYTES;
  localparam int unsigned CntW   = OffW - LaneW + 2;               // words / beats of a job
  localparam int unsigned LenW   = OffW + 2;                       // stream bytes
  localparam int unsigned EspB   = AeadEspB;                       // SPI | seq_lo | IV
  localparam int unsigned SeqHiB = AeadSeqHiB;                     // seq_hi in the ESN AAD

  typedef struct packed {
    logic             enc;
    logic [4:0]       hlen;
    logic [OffW-1:0]  dst, len;
    logic [4:0]       icv;
    logic [31:0]      spi;
    logic [63:0]      seq;
    logic [OSlotW-1:0] oslot;
  } wjob_t;

  wjob_t a_wjob;
  assign a_wjob = '{enc: job_enc_i, hlen: job_hlen_i, dst: job_dst_i, len: job_len_i, icv: job_icv_i,
                    spi: job_spi_i, seq: job_seq_i, oslot: job_oslot_i};

  // ====================================================== per-job queues
  wjob_t                    jq_out;
  logic                     jq_valid, jq_pop;
  logic [$clog2(MaxJobs):0] unused_jq_count;

  esp_fifo_sync #(
    .Width ($bits(wjob_t)),
    .Depth (MaxJobs)
  ) u_job_q (
    .clk_i    (clk_i),
    .rst_ni   (rst_ni),
    .wvalid_i (job_push_i),
    .wready_o (job_ready_o),
    .wdata_i  (a_wjob),
    .rvalid_o (jq_valid),
    .rready_i (jq_pop),
    .rdata_o  (jq_out),
    .count_o  (unused_jq_count)
  );

  logic [127:0]             iq_out;
  logic                     iq_valid, unused_iq_wready;
  logic [$clog2(MaxJobs):0] unused_iq_count;

  esp_fifo_sync #(
    .Width (128),
    .Depth (MaxJobs)
  ) u_icv_q (
    .clk_i    (clk_i),
    .rst_ni   (rst_ni),
    .wvalid_i (icv_push_i),
    .wready_o (unused_iq_wready),
    .wdata_i  (icv_i),
    .rvalid_o (iq_valid),
    .rready_i (done_o),
    .rdata_o  (iq_out),
    .count_o  (unused_iq_count)
  );

  // ================================================================== W
  typedef struct packed {
    logic             enc;
    logic [4:0]       icv;
    logic [OffW-1:0]  icv_off;   // dst_off + len
    logic [31:0]      sum;
    logic [OSlotW-1:0] oslot;
  } tjob_t;

  logic [CntW-1:0]  w_m_q;
  logic [DW-1:0]    w_pbeat_q;
  logic [NB-1:0]    w_pmask_q;
  logic [31:0]      w_sum_q;
  logic [OffW-1:0]  w_d;
  logic [LaneW-1:0] w_t;
  logic [LenW-1:0]  w_plen;
  logic [CntW-1:0]  w_nc, w_nw;
  logic             w_go, w_end, w_fl, w_lastb, w_empty, w_latch, w_wr_q;
  logic [DW-1:0]    w_beat;
  logic [NB-1:0]    w_mask;
  logic [2*DW-1:0]  w_win;
  logic [2*NB-1:0]  w_mwin;
  logic [LaneW:0]   w_sel, o_sel;
  logic [21:0]      w_bsum;
  tjob_t            w_tjob;
  logic             tq_wready;
  // A job's flush word (the last word, after its last beat) is written in
  // the cycle after that beat, from these registers, while the next job
  // takes its first beat when that beat writes nothing (a decrypt whose
  // word 0 holds only the header: t >= NB - H): such a job's words then
  // take one cycle each, not one more (64 B decrypts: 2 cycles, not 3).
  logic             fl_q, fl_dec_q;
  logic [LaneW:0]   fl_sel_q;
  logic [WAW-1:0]   fl_addr_q;
  logic [OSlotW-1:0] fl_slot_q;
  logic [OffW-1:0]  fl_dst_q, fl_len_q;
  tjob_t            fl_tjob_q;

  // obuf write ports (registered): the writer's (o_*), T's (i_*)
  logic             o_we_q, o_we_d;
  logic [WAW-1:0]   o_addr_q, o_addr_d;
  logic [OSlotW-1:0] o_slot_q, o_slot_d;
  logic [NB-1:0]    o_be_q, o_be_d;
  logic [DW-1:0]    o_data_q, o_data_d;
  logic             i_we_q, i_we_d;
  logic [WAW-1:0]   i_addr_q, i_addr_d;
  logic [OSlotW-1:0] i_slot_q, i_slot_d;
  logic [NB-1:0]    i_be_q, i_be_d;
  logic [DW-1:0]    i_data_q, i_data_d;

  always_comb begin
    logic [8*EspB-1:0] esp_be;
    logic [DW-1:0]     esp_lanes;
    logic [NB-1:0]     esp_mask;
    logic [LenW-1:0]   wstart;
    w_d    = jq_out.dst - OffW'(jq_out.hlen);
    w_t    = w_d[LaneW-1:0];
    w_plen = LenW'(jq_out.hlen) + LenW'(jq_out.len);
    w_nc   = CntW'((w_plen + LenW'(NB - 1)) >> LaneW);
    w_nw   = CntW'((w_plen + LenW'(w_t) + LenW'(NB - 1)) >> LaneW);
    w_fl   = (w_nw != w_nc);          // a flush word after the last beat (w_nw = w_nc + 1)
    w_lastb = (w_m_q == w_nc - 1'b1);
    wstart = LenW'(jq_out.hlen) - (jq_out.enc ? LenW'(EspB) : '0);
    w_empty = (w_m_q == '0) && (LenW'(NB) - LenW'(w_t) <= wstart);
    // one step per beat; beside a flush only a step that writes nothing
    w_go   = jq_valid && c_ovalid_i && (!w_lastb || tq_wready) && (!fl_q || (w_empty && !w_lastb));
    w_end  = w_go && w_lastb;
    w_latch = w_end && w_fl;

    // the beat, with the ESP header (encrypt) over [H-16, H) of beat 0
    esp_be    = {jq_out.spi, jq_out.seq[31:0], jq_out.seq};
    esp_lanes = '0;
    for (int unsigned i = 0; i < EspB; i++) begin
      esp_lanes[8*i +: 8] = esp_be[8*(EspB-1-i) +: 8];
    end
    esp_mask = aead_prefix((LaneW+1)'(EspB));
    if (jq_out.hlen != 5'(EspB)) begin
      esp_lanes = esp_lanes << (8 * SeqHiB);
      esp_mask  = esp_mask << SeqHiB;
    end
    w_beat = c_odata_i;
    w_mask = '0;
    for (int unsigned b = 0; b < NB; b++) begin
      logic [LenW-1:0] k;
      k = LenW'({w_m_q, LaneW'(0)}) + LenW'(b);
      w_mask[b] = (k >= wstart) && (k < w_plen);
    end
    if (w_m_q == '0 && jq_out.enc) w_beat = (w_beat & ~aead_bytemask(esp_mask)) | (esp_lanes & aead_bytemask(esp_mask));
    w_beat = w_beat & aead_bytemask(w_mask);
    w_bsum = aead_beat_sum(w_beat);

    // the word written: the head job's word m ({beat m, beat m-1}), or
    // (fl_q) the previous job's flush word ({0, its last beat})
    w_win  = {fl_q ? '0 : w_beat, (w_m_q == '0 && !fl_q) ? '0 : w_pbeat_q};
    w_mwin = {fl_q ? '0 : w_mask, (w_m_q == '0 && !fl_q) ? '0 : w_pmask_q};
    w_sel  = (LaneW+1)'(NB) - (LaneW+1)'(w_t);
    o_sel  = fl_q ? fl_sel_q : w_sel;

    w_tjob.enc     = jq_out.enc;
    w_tjob.icv     = jq_out.icv;
    w_tjob.icv_off = jq_out.dst + jq_out.len;
    w_tjob.oslot   = jq_out.oslot;
    w_tjob.sum     = ((w_m_q == '0) ? '0 : w_sum_q) + 32'(w_bsum);
  end

  assign c_oready_o = w_go;
  assign jq_pop   = w_end;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      w_m_q  <= '0;
      w_wr_q <= 1'b0;
      fl_q   <= 1'b0;
    end else begin
      if (w_go) w_m_q <= w_end ? '0 : w_m_q + 1'b1;
      // the head job has written a word (its first write marks first_i)
      if (w_end) w_wr_q <= 1'b0;
      else if (w_go && !fl_q) w_wr_q <= 1'b1;
      fl_q <= w_latch;
    end
  end

  always_ff @(posedge clk_i) begin
    if (w_latch) begin
      fl_sel_q  <= w_sel;
      fl_addr_q <= w_d[OffW-1:LaneW] + WAW'(w_m_q) + 1'b1;
      fl_slot_q <= jq_out.oslot;
      fl_tjob_q <= w_tjob;
      fl_dec_q  <= !jq_out.enc;
      fl_dst_q  <= jq_out.dst;
      fl_len_q  <= jq_out.len;
    end
  end

  always_ff @(posedge clk_i) begin
    if (w_go) begin
      w_pbeat_q <= w_beat;
      w_pmask_q <= w_mask;
      w_sum_q   <= (w_m_q == '0) ? 32'(w_bsum) : w_sum_q + 32'(w_bsum);
    end
  end

  tjob_t                    tq_out;
  logic                     tq_valid;
  logic [$clog2(MaxJobs):0] unused_tq_count;

  esp_fifo_sync #(
    .Width ($bits(tjob_t)),
    .Depth (MaxJobs)
  ) u_t_q (
    .clk_i    (clk_i),
    .rst_ni   (rst_ni),
    .wvalid_i (fl_q || (w_end && !w_fl)),
    .wready_o (tq_wready),
    .wdata_i  (fl_q ? fl_tjob_q : w_tjob),
    .rvalid_o (tq_valid),
    .rready_i (done_o),
    .rdata_o  (tq_out),
    .count_o  (unused_tq_count)
  );

  // ============================================ esp_dec_watch (decrypt)
  // The writer's words as they go out (o_*_q), with their job's marks: a
  // decrypt's trailer check and inner header, one answer per decrypt job in
  // job order, queued until T answers that job (at most MaxJobs are taken
  // and not answered, so the queue never overflows).
  logic            o_first_q, o_last_q, o_dec_q;
  logic [OffW-1:0] o_dst_q, o_len_q;
  always_ff @(posedge clk_i) begin
    o_first_q <= !fl_q && !w_wr_q;
    o_last_q  <= fl_q || (w_end && !w_fl);
    o_dec_q   <= fl_q ? fl_dec_q : !jq_out.enc;
    o_dst_q   <= fl_q ? fl_dst_q : jq_out.dst;
    o_len_q   <= fl_q ? fl_len_q : jq_out.len;
  end

  logic      dw_push, dw_valid, unused_dw_wready;
  aead_dec_t dw_in, dw_out;
  parse_rsp_t  dw_rsp;
  logic [$clog2(MaxJobs):0] unused_dw_count;

  esp_dec_watch u_watch (
    .clk_i,
    .rst_ni,
    .we_i      (o_we_q),
    .dec_i     (o_dec_q),
    .first_i   (o_first_q),
    .last_i    (o_last_q),
    .dst_i     (o_dst_q),
    .len_i     (o_len_q),
    .addr_i    (o_addr_q),
    .be_i      (o_be_q),
    .data_i    (o_data_q),
    .valid_o   (dw_push),
    .trl_ok_o  (dw_in.trl_ok),
    .nh_o      (dw_in.nh),
    .in_slow_o (dw_in.in_slow),
    .in_rsp_o  (dw_rsp)
  );
  assign dw_in.in_status = dw_rsp.status;
  assign dw_in.in_len    = dw_rsp.pkt_len;
  logic unused_dw_rsp;
  assign unused_dw_rsp = ^{dw_rsp.version, dw_rsp.ihl, dw_rsp.hdr_len, dw_rsp.nh_off, dw_rsp.proto, dw_rsp.udp,
                           dw_rsp.esp_off, dw_rsp.esp_len, dw_rsp.spi, dw_rsp.seq_lo};

  esp_fifo_sync #(
    .Width ($bits(dw_in)),
    .Depth (MaxJobs)
  ) u_dec_q (
    .clk_i    (clk_i),
    .rst_ni   (rst_ni),
    .wvalid_i (dw_push),
    .wready_o (unused_dw_wready),
    .wdata_i  (dw_in),
    .rvalid_o (dw_valid),
    .rready_i (done_o && !tq_out.enc),
    .rdata_o  (dw_out),
    .count_o  (unused_dw_count)
  );

  // ================================================================== T
  typedef enum logic [1:0] {TIdle, TWr1, TRsp} t_state_e;

  t_state_e       t_state_q;
  logic           t_go;
  logic [127:0]   t_tag;            // lane order
  logic [127:0]   t_icvmask, t_tagm;
  logic [2*DW-1:0] t_win;
  logic [2*NB-1:0] t_mwin;
  logic [DW-1:0]  t_hi_q;
  logic [NB-1:0]  t_hibe_q;
  logic [WAW-1:0] t_hiaddr_q;
  logic           t_ok;
  logic [31:0]    t_sum;
  logic [16:0]    t_f1;
  logic [15:0]    t_fold;
  logic           rsp_valid_q, rsp_ok_q;
  logic [15:0]    rsp_sum_q;
  aead_dec_t      rsp_dec_q;
  logic [15:0]    t_sum_q;

  always_comb begin
    for (int unsigned i = 0; i < 16; i++) begin
      t_tag[8*i +: 8]     = c_tag_i[127-8*i -: 8];
      t_icvmask[8*i +: 8] = {8{5'(i) < tq_out.icv}};
    end
    t_tagm = t_tag & t_icvmask;
    t_win  = (2*DW)'(t_tagm) << (8 * tq_out.icv_off[LaneW-1:0]);
    t_mwin = (2*NB)'(aead_prefix((LaneW+1)'(tq_out.icv))) << tq_out.icv_off[LaneW-1:0];
    // constant time: every byte of the masked difference is looked at
    t_ok   = ((t_tag ^ iq_out) & t_icvmask) == '0;
    t_sum  = tq_out.sum + 32'(aead_beat_sum(DW'(t_tagm)));
    t_f1   = 17'(t_sum[15:0]) + 17'(t_sum[31:16]);
    t_fold = t_f1[15:0] + 16'(t_f1[16]);
  end

  // The response register is free by the time it is written (this cycle
  // for decrypt, one or two later for encrypt) if it is free or taken now.
  assign t_go     = (t_state_q == TIdle) && tq_valid && iq_valid && c_tvalid_i && (!rsp_valid_q || rsp_ready_i) &&
                    (tq_out.enc || dw_valid);   // (a decrypt: with esp_dec_watch's answer)
  // Decrypt answers at once (its last text word is on the obuf port now, in
  // RAM before rsp_valid_o rises); encrypt after its ICV write(s).
  assign done_o   = (t_go && !tq_out.enc) || (t_state_q == TRsp);
  assign c_tready_o = done_o;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      t_state_q   <= TIdle;
      rsp_valid_q <= 1'b0;
    end else begin
      unique case (t_state_q)
        TIdle:   if (t_go && tq_out.enc) t_state_q <= (t_mwin[2*NB-1:NB] != '0) ? TWr1 : TRsp;
        TWr1:    t_state_q <= TRsp;
        TRsp:    t_state_q <= TIdle;
        default: t_state_q <= TIdle;
      endcase
      if (done_o) rsp_valid_q <= 1'b1;
      else if (rsp_ready_i) rsp_valid_q <= 1'b0;
    end
  end

  always_ff @(posedge clk_i) begin
    if (t_go) begin
      t_hi_q     <= t_win[2*DW-1:DW];
      t_hibe_q   <= t_mwin[2*NB-1:NB];
      t_hiaddr_q <= tq_out.icv_off[OffW-1:LaneW] + 1'b1;
      t_sum_q    <= t_fold;
    end
    if (done_o) begin
      rsp_ok_q  <= (t_state_q == TRsp) || t_ok;     // encrypt: 1
      rsp_sum_q <= (t_state_q == TRsp) ? t_sum_q : '0;
      rsp_dec_q <= dw_out;
    end
  end

  assign rsp_valid_o   = rsp_valid_q;
  assign rsp_o.auth_ok = rsp_ok_q;
  assign rsp_o.sum     = rsp_sum_q;
  assign rsp_o.dec     = rsp_dec_q;

  // ---------------------------------------------------- obuf write ports
  always_comb begin
    i_we_d   = 1'b0;
    i_addr_d = i_addr_q;
    i_slot_d = i_slot_q;
    i_be_d   = '0;
    i_data_d = i_data_q;
    if (t_go && tq_out.enc) begin
      i_we_d   = 1'b1;
      i_addr_d = tq_out.icv_off[OffW-1:LaneW];
      i_slot_d = tq_out.oslot;
      i_be_d   = t_mwin[NB-1:0];
      i_data_d = t_win[DW-1:0];
    end else if (t_state_q == TWr1) begin
      i_we_d   = 1'b1;
      i_addr_d = t_hiaddr_q;
      i_slot_d = tq_out.oslot;   // (popped with done_o, in TRsp)
      i_be_d   = t_hibe_q;
      i_data_d = t_hi_q;
    end
  end

  always_comb begin
    o_we_d   = fl_q || w_go;
    o_addr_d = fl_q ? fl_addr_q : w_d[OffW-1:LaneW] + WAW'(w_m_q);
    o_slot_d = fl_q ? fl_slot_q : jq_out.oslot;
    o_be_d   = (fl_q || w_go) ? w_mwin[o_sel +: NB] : '0;
    o_data_d = w_win[8*o_sel +: DW];
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      o_we_q <= 1'b0;
      i_we_q <= 1'b0;
    end else begin
      o_we_q <= o_we_d;
      i_we_q <= i_we_d;
    end
  end

  always_ff @(posedge clk_i) begin
    o_addr_q <= o_addr_d;
    o_slot_q <= o_slot_d;
    o_be_q   <= o_be_d;
    o_data_q <= o_data_d;
    i_addr_q <= i_addr_d;
    i_slot_q <= i_slot_d;
    i_be_q   <= i_be_d;
    i_data_q <= i_data_d;
  end

  assign obuf_we_o    = o_we_q;
  assign obuf_waddr_o = o_addr_q;
  assign obuf_slot_o  = o_slot_q;
  assign obuf_wbe_o   = o_be_q;
  assign obuf_wdata_o = o_data_q;
  assign icv_we_o     = i_we_q;
  assign icv_waddr_o  = i_addr_q;
  assign icv_slot_o   = i_slot_q;
  assign icv_wbe_o    = i_be_q;
  assign icv_wdata_o  = i_data_q;

endmodule : esp_aead_out

`default_nettype wire
