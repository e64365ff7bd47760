// esp_gcm_core: AES-GCM (NIST SP 800-38D, 96-bit IV) over a 512-bit stream,
// one beat (64 bytes, 4 blocks) per cycle, packets back to back.
//
// Encrypt, decrypt and GMAC (RFC 4543); AES-128/256 (no AES-192: the card
// does not offer it, see esp_aes_pkg); NumKeys key
// slots (a RAM with synchronous read: BRAM/URAM for many slots).
//
// Keys: key_* installs a key into a slot. esp_gcm_key_setup computes
// H, H^2, H^3, H^4 once (9 cycles AES-128, 11 AES-256); the slot keeps
// {klen, H^1..H^4, key}, no round keys (esp_aes_pipe expands the key on the
// fly). key_wipe_i with an install zeroes the slot at once (no key setup).
// A packet names its slot with its first beat; the
// slot's context is copied into the packet's first pipeline stage and then
// travels with every beat (the key and its schedule inside esp_aes_pipe,
// the powers of H beside them), so packets with different keys follow each
// other with no gap, and a slot may be reinstalled at any time, even while
// packets that used its old key are still inside.
//
// Packet on s_axis (one packet = the beats up to tlast):
//   bytes [0, aad_len)        AAD
//   up to the next multiple of 16: padding (in the stream, not hashed,
//                             passed through; the ESP IV sits exactly here
//                             when the AAD is SPI|seq)
//   then the text (plaintext or ciphertext) to the end of the packet.
// Every beat but the last has all 64 tkeep bits set; the last beat's tkeep
// is a prefix (possibly empty: a packet with no bytes is one beat with tkeep
// 0). Stream byte n of a beat is tdata[8n +: 8]. The sideband (mode,
// key_slot, iv, aad_len, tuser) is sampled with the first beat. GcmGmac
// takes the whole packet as AAD (aad_len is ignored) and encrypts nothing.
//
// m_axis returns every beat in the same layout: AAD and padding unchanged,
// text encrypted/decrypted, bytes past tkeep zero, tkeep/tlast/tuser as
// given. The 16-byte tag (byte 0 at m_tag_o[127:120]) comes on m_tag_* in
// packet order with the packet's tuser. It is not compared here (decrypt:
// the user compares it with the ICV, in constant time). m_axis and m_tag are
// independent: the user must not hold m_axis until it has seen the tag.
//
// Pipeline, one beat per cycle, no stall anywhere inside:
//
//   s_axis -> S0 -> esp_aes_pipe (4 lanes, 15 stages) -> XOR -+-> out FIFO -> m_axis
//                                                              +-> esp_ghash (4) -> ^E(J0) -> tag FIFO -> m_tag
//
//   S0    per-lane counter blocks, masks, lengths; the slot's key and H^i
//   AES   lanes 0..3: counter blocks of the beat's 4 blocks (text block t
//         uses counter t+2), and J0 = IV || 1 in a lane that carries no
//         text: lane 0 of the first beat when the packet has AAD (ESP
//         always: SPI | seq) or is GMAC; else lane 3 of the last beat when
//         that beat has at most 48 bytes, else the cycle after the last
//         beat, which esp_ghash's length block keeps free anyway (a beat
//         of J0 alone). E(K, J0) goes into a FIFO of its own as it leaves
//         the pipe (in packet order), and out with the packet's S.
//   XOR   keystream onto the text bytes; GHASH operand = ciphertext
//         (output when encrypting, input when decrypting), AAD without its
//         padding; written into the output FIFO and into esp_ghash
//   GHASH 4 blocks per cycle, one reduction per beat, the length block
//         folded into the last beat: S 3 cycles after the last beat (4 when
//         that beat has more than 48 bytes: L then takes a cycle of its own)
//
// Latency: an accepted beat is on m_axis 17 cycles later (FIFO empty, m_axis
// ready); the tag is on m_tag 20 cycles after the packet's last beat was
// accepted (21 when that beat has more than 48 bytes).
//
// Flow control: the pipeline never stalls. s_axis_tready_o is a register
// decision on credits: beats accepted and not yet taken from m_axis must fit
// the output FIFO (OutDepth), packets whose tag was not yet taken must fit
// the tag FIFO (TagDepth). With m_axis and m_tag always ready, tready stays
// high: one beat per cycle, no idle cycle between packets, except one after
// a packet whose last beat has more than 48 bytes (its length block takes
// that cycle in esp_ghash). Back-pressure
// reaches s_axis only through the FIFOs (nothing combinational from
// m_axis_tready_i / m_tag_ready_i to s_axis_tready_o).
`default_nettype none

module esp_gcm_core
  import esp_gcm_pkg::*;
#(
  parameter int unsigned NumKeys  = 2,
  parameter int unsigned UserW    = 8,
  parameter int unsigned LenW     = 16,   // packet bytes are < 2^LenW
  parameter int unsigned OutDepth = 32,   // >= 18 for one beat per cycle
  parameter int unsigned TagDepth = 32,   // >= 22 for back-to-back one-beat packets
  localparam int unsigned KeyW    = NumKeys > 1 ? $clog2(NumKeys) : 1
) (
  input  wire logic                 clk_i,
  input  wire logic                 rst_ni,

  // key install
  input  wire logic                 key_valid_i,
  output      logic                 key_ready_o,
  input  wire logic [KeyW-1:0]      key_slot_i,
  input  wire logic                 key_wipe_i,     // zero the slot (no key setup)
  input  wire logic [1:0]           key_klen_i,     // esp_aes_pkg::AesKlen*
  input  wire logic [255:0]         key_i,          // wire order, byte 0 at [255:248]

  // packets in
  input  wire logic                 s_axis_tvalid_i,
  output      logic                 s_axis_tready_o,
  input  wire logic [511:0]         s_axis_tdata_i,
  input  wire logic [63:0]          s_axis_tkeep_i,
  input  wire logic                 s_axis_tlast_i,
  input  wire logic [UserW-1:0]     s_axis_tuser_i,
  input  wire gcm_mode_e            s_axis_mode_i,
  input  wire logic [KeyW-1:0]      s_axis_key_slot_i,
  input  wire logic [95:0]          s_axis_iv_i,    // nonce, byte 0 at [95:88]
  input  wire logic [LenW-1:0]      s_axis_aad_len_i,

  // packets out
  output      logic                 m_axis_tvalid_o,
  input  wire logic                 m_axis_tready_i,
  output      logic [511:0]         m_axis_tdata_o,
  output      logic [63:0]          m_axis_tkeep_o,
  output      logic                 m_axis_tlast_o,
  output      logic [UserW-1:0]     m_axis_tuser_o,

  // tags out, one per packet
  output      logic                 m_tag_valid_o,
  input  wire logic                 m_tag_ready_i,
  output      logic [127:0]         m_tag_o,
  output      logic [UserW-1:0]     m_tag_user_o
);

  // ------------------------------------------------------------------ helpers
  function automatic logic [511:0] bytemask(input logic [63:0] m);
    logic [511:0] r;
    for (int b = 0; b < 64; b++) r[8*b +: 8] = {8{m[b]}};
    return r;
  endfunction

  // What travels with a beat beside the AES lanes.
  typedef struct packed {
    logic [511:0]      data;
    logic [63:0]       keep;
    logic [6:0]        nbytes;     // popcount of keep
    logic              first;
    logic              last;
    logic              enc;        // hash the output (encrypt)
    logic [3:0]        lane_text;  // lane carries text: XOR keystream
    logic [3:0]        lane_pad;   // lane is the last, partial AAD block
    logic [3:0]        aad_lo;     // aad_len mod 16: pad starts there in lane_pad
    logic              j0;         // a lane carries J0: lane 3 when j0_l3, else lane 0
    logic              j0_l3;
    logic              j0_only;    // J0 alone: no beat of the stream
    logic [UserW-1:0]  user;
    logic [LenW-1:0]   aad_bytes;  // len(A), len(C) so far (final at the last beat)
    logic [LenW-1:0]   txt_bytes;
    logic [3:0][127:0] hpow;       // H^1..H^4 of the packet's key
  } beat_t;

  localparam int unsigned BeatW = $bits(beat_t);

  // ------------------------------------------------------------- key slots
  // One context per slot {klen, H^4..H^1, key}, in a RAM-style array
  // (one write port: the key setup's result or a wipe; read synchronously at
  // a packet's first beat) so that synthesis maps it to BRAM/URAM for large
  // NumKeys. A wipe is taken only while the key setup is idle.
  localparam int unsigned CtxW = 2 + 4 * 128 + 256;

  logic [CtxW-1:0]                 slot_mem [NumKeys];
  logic [KeyW-1:0]                 ks_slot_q;
  logic [255:0]                    ks_key_q;
  logic                            ks_valid, ks_ready, wipe;
  logic [1:0]                      ks_klen;
  logic [3:0][127:0]               ks_hpow;

  esp_gcm_key_setup u_key_setup (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .in_valid_i  (key_valid_i && !key_wipe_i),
    .in_ready_o  (ks_ready),
    .key_i       (key_i),
    .klen_i      (key_klen_i),
    .out_valid_o (ks_valid),
    .out_ready_i (1'b1),
    .klen_o      (ks_klen),
    .hpow_o      (ks_hpow)
  );

  assign key_ready_o = ks_ready;
  assign wipe        = key_valid_i && key_wipe_i && ks_ready;

  always_ff @(posedge clk_i) begin
    if (key_valid_i && ks_ready && !key_wipe_i) begin
      ks_slot_q <= key_slot_i;
      ks_key_q  <= key_i;
    end
  end

  always_ff @(posedge clk_i) begin
    if (ks_valid) slot_mem[ks_slot_q] <= {ks_klen, ks_hpow, ks_key_q};
    else if (wipe) slot_mem[key_slot_i] <= '0;
  end

  // ------------------------------------------------------------- credits
  localparam int unsigned OccW  = $clog2(OutDepth) + 1;
  localparam int unsigned TOccW = $clog2(TagDepth) + 1;

  logic [OccW-1:0]  occ_q;     // beats accepted, not yet taken from m_axis
  logic [TOccW-1:0] tocc_q;    // packets accepted (last beat), tag not yet taken
  logic             in_fire, out_fire, tag_fire;

  // A packet whose last beat has more than 48 bytes (4 blocks) needs one
  // more cycle in esp_ghash for its length block: tready is low in the cycle
  // after that beat was taken, and the hole reaches esp_ghash (the pipeline
  // never stalls, so at a fixed distance) exactly when it takes L.
  logic             len_hole_q;

  assign s_axis_tready_o = (occ_q < OccW'(OutDepth)) && (tocc_q < TOccW'(TagDepth)) && !len_hole_q;
  assign in_fire  = s_axis_tvalid_i && s_axis_tready_o;
  assign out_fire = m_axis_tvalid_o && m_axis_tready_i;
  assign tag_fire = m_tag_valid_o && m_tag_ready_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      occ_q  <= '0;
      tocc_q <= '0;
    end else begin
      occ_q  <= occ_q + OccW'(in_fire) - OccW'(out_fire);
      tocc_q <= tocc_q + TOccW'(in_fire && s_axis_tlast_i) - TOccW'(tag_fire);
    end
  end

  // ------------------------------------------------------------ input side
  logic             in_pkt_q;      // inside a packet: the next beat is not a first
  logic [LenW-1:0]  in_blk_q;      // block index of lane 0 of the next beat
  logic [LenW-1:0]  in_tot_q;      // stream bytes taken so far
  gcm_mode_e        cur_mode_q;
  logic [95:0]      cur_iv_q;
  logic [LenW-1:0]  cur_aad_q;
  logic [UserW-1:0] cur_user_q;

  logic             first, gmac;
  gcm_mode_e        mode;
  logic [95:0]      iv;
  logic [LenW-1:0]  aad_len, blk, total;
  logic [LenW:0]    aad_blocks, aad_padded;
  logic [UserW-1:0] user;
  logic [6:0]       nbytes;
  logic [3:0][127:0] ctr_blk;
  logic             aad_none;    // a packet without AAD, not GMAC: no J0 in its first beat
  logic             long_last;   // (as a last beat) more than 48 bytes: L takes a beat of its own
  beat_t            s0_d;

  assign first   = !in_pkt_q;
  assign mode    = first ? s_axis_mode_i    : cur_mode_q;
  assign iv      = first ? s_axis_iv_i      : cur_iv_q;
  assign aad_len = first ? s_axis_aad_len_i : cur_aad_q;
  assign user    = first ? s_axis_tuser_i   : cur_user_q;
  assign blk     = first ? '0 : in_blk_q;
  assign gmac    = (mode == GcmGmac);

  assign aad_blocks = ((LenW+1)'(aad_len) + (LenW+1)'(15)) >> 4;
  assign aad_padded = aad_blocks << 4;

  always_comb begin
    nbytes = '0;
    for (int b = 0; b < 64; b++) nbytes = nbytes + 7'(s_axis_tkeep_i[b]);
    total = (first ? '0 : in_tot_q) + LenW'(nbytes);

    s0_d           = '0;
    s0_d.data      = s_axis_tdata_i;
    s0_d.keep      = s_axis_tkeep_i;
    s0_d.nbytes    = nbytes;
    s0_d.first     = first;
    s0_d.last      = s_axis_tlast_i;
    s0_d.enc       = (mode == GcmEncrypt);
    s0_d.aad_lo    = gmac ? 4'd0 : aad_len[3:0];
    s0_d.user      = user;
    s0_d.aad_bytes = gmac ? total : aad_len;
    s0_d.txt_bytes = (gmac || (LenW+1)'(total) <= aad_padded) ? '0
                   : LenW'((LenW+1)'(total) - aad_padded);

    for (int l = 0; l < 4; l++) begin
      logic [LenW:0] g;
      g                 = (LenW+1)'(blk) + (LenW+1)'(l);
      s0_d.lane_text[l] = !gmac && (g >= aad_blocks);
      s0_d.lane_pad[l]  = !gmac && (aad_len[3:0] != 4'd0) && (g + 1'b1 == aad_blocks);
      // text block t (0-based) uses counter t + 2; counter 1 is J0
      ctr_blk[l]        = {iv, 32'(g) - 32'(aad_blocks) + 32'd2};
    end
    // J0: lane 0 of the first beat (a packet with AAD, or GMAC), lane 3 of
    // the last beat of one without (at most 48 bytes: lane 3 is empty)
    aad_none  = !gmac && aad_len == '0;
    long_last = nbytes > 7'd48;
    if (first && !aad_none) begin
      s0_d.j0 = 1'b1; ctr_blk[0] = {iv, 32'd1};
    end else if (aad_none && s_axis_tlast_i && !long_last) begin
      s0_d.j0 = 1'b1; s0_d.j0_l3 = 1'b1; ctr_blk[3] = {iv, 32'd1};
    end
  end

  // J0 alone, in the cycle after the last beat (> 48 bytes) of a packet
  // without AAD: the length block's hole (len_hole_q, nothing is taken; the
  // cur_* registers still hold that packet's sideband)
  logic j0_hole;
  assign j0_hole = len_hole_q && cur_mode_q != GcmGmac && cur_aad_q == '0;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      len_hole_q <= 1'b0;
    end else begin
      len_hole_q <= in_fire && s_axis_tlast_i && long_last;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      in_pkt_q   <= 1'b0;
      in_blk_q   <= '0;
      in_tot_q   <= '0;
      cur_mode_q <= GcmEncrypt;
      cur_iv_q   <= '0;
      cur_aad_q  <= '0;
      cur_user_q <= '0;
    end else if (in_fire) begin
      in_pkt_q <= !s_axis_tlast_i;
      in_blk_q <= blk + LenW'(4);
      in_tot_q <= total;
      if (first) begin
        cur_mode_q <= s_axis_mode_i;
        cur_iv_q   <= s_axis_iv_i;
        cur_aad_q  <= s_axis_aad_len_i;
        cur_user_q <= s_axis_tuser_i;
      end
    end
  end

  // -------------------------------------------------------------------- S0
  logic               s0_valid_q;
  beat_t              s0_q;
  logic [3:0][127:0]  s0_blk_q;
  logic [CtxW-1:0]    s0_ctx_q;      // the packet's key context (RAM read data)
  logic [255:0]       s0_key;
  logic [3:0][127:0]  s0_hpow;
  logic [1:0]         s0_klen;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      s0_valid_q <= 1'b0;
    end else begin
      s0_valid_q <= in_fire || j0_hole;
    end
  end

  always_ff @(posedge clk_i) begin
    if (in_fire) begin
      s0_q     <= s0_d;
      s0_blk_q <= ctr_blk;
    end else if (j0_hole) begin   // (the packet's IV, key context held)
      s0_q         <= '0;
      s0_q.j0      <= 1'b1;
      s0_q.j0_only <= 1'b1;
      s0_blk_q     <= '0;
      s0_blk_q[0]  <= {cur_iv_q, 32'd1};
    end
  end

  // The packet's key context, read from its slot at its first beat and held
  // (read enable low) for the rest of the packet: a synchronous RAM read.
  always_ff @(posedge clk_i) begin
    if (in_fire && first) s0_ctx_q <= slot_mem[s_axis_key_slot_i];
  end

  assign {s0_klen, s0_hpow, s0_key} = s0_ctx_q;

  // ------------------------------------------------------------- AES lanes
  beat_t             pipe_in, pb;
  logic [BeatW-1:0]  pipe_tag;
  logic              pipe_valid, unused_pipe_ready;
  logic [3:0][127:0] ks;

  always_comb begin
    pipe_in      = s0_q;
    pipe_in.hpow = s0_hpow;
  end

  esp_aes_pipe #(
    .Lanes (4),
    .TagW  (BeatW)
  ) u_aes_pipe (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .in_valid_i  (s0_valid_q),
    .in_ready_o  (unused_pipe_ready),
    .in_block_i  (s0_blk_q),
    .in_key_i    (s0_key),
    .in_klen_i   (s0_klen),
    .in_tag_i    (pipe_in),
    .out_valid_o (pipe_valid),
    .out_ready_i (1'b1),
    .out_block_o (ks),
    .out_tag_o   (pipe_tag)
  );

  // ------------------------------------------------------------------- XOR
  logic [511:0] ks_stream, out_data, hdata;
  logic [63:0]  xmask, hmask;

  assign pb = beat_t'(pipe_tag);

  always_comb begin
    for (int l = 0; l < 4; l++) begin
      for (int j = 0; j < 16; j++) begin
        ks_stream[8*(16*l+j) +: 8] = ks[l][127-8*j -: 8];
        xmask[16*l+j] = pb.keep[16*l+j] && pb.lane_text[l];
        hmask[16*l+j] = pb.keep[16*l+j] && !(pb.lane_pad[l] && (4'(j) >= pb.aad_lo));
      end
    end
    out_data = (pb.data ^ (ks_stream & bytemask(xmask))) & bytemask(pb.keep);
    hdata    = (pb.enc ? out_data : pb.data) & bytemask(hmask);
  end

  // ------------------------------------------------------- output FIFO
  localparam int unsigned OutW = 512 + 64 + 1 + UserW;

  logic [OutW-1:0]          of_rdata;
  logic                     unused_of_wready;
  logic [$clog2(OutDepth):0] unused_of_count;

  esp_fifo_sync #(
    .Width (OutW),
    .Depth (OutDepth)
  ) u_out_fifo (
    .clk_i    (clk_i),
    .rst_ni   (rst_ni),
    .wvalid_i (pipe_valid && !pb.j0_only),
    .wready_o (unused_of_wready),
    .wdata_i  ({out_data, pb.keep, pb.last, pb.user}),
    .rvalid_o (m_axis_tvalid_o),
    .rready_i (m_axis_tready_i),
    .rdata_o  (of_rdata),
    .count_o  (unused_of_count)
  );

  assign {m_axis_tdata_o, m_axis_tkeep_o, m_axis_tlast_o, m_axis_tuser_o} = of_rdata;

  // ----------------------------------------------------------------- GHASH
  logic               gh_valid, unused_gh_ready;
  logic [127:0]       gh_s, gh_ej0;
  logic [UserW-1:0]   gh_user;

  // E(K, J0) of each packet as it leaves the pipe, in packet order: pushed
  // no earlier than the packet's first beat leaves the XOR stage, popped
  // with its S (3-4 cycles after its last beat), so at most 5 later packets
  // (one beat each) are pushed meanwhile: 8 entries.
  logic                      ej0_push, unused_ej0_valid, unused_ej0_wready;
  logic [3:0]                unused_ej0_count;
  assign ej0_push = pipe_valid && pb.j0;

  esp_fifo_sync #(
    .Width (128),
    .Depth (8)
  ) u_ej0_fifo (
    .clk_i    (clk_i),
    .rst_ni   (rst_ni),
    .wvalid_i (ej0_push),
    .wready_o (unused_ej0_wready),
    .wdata_i  (pb.j0_l3 ? ks[3] : ks[0]),
    .rvalid_o (unused_ej0_valid),   // (never empty when S comes)
    .rready_i (gh_valid),
    .rdata_o  (gh_ej0),
    .count_o  (unused_ej0_count)
  );

  esp_ghash #(
    .LenW  (LenW),
    .UserW (UserW)
  ) u_ghash (
    .clk_i        (clk_i),
    .rst_ni       (rst_ni),
    .in_valid_i   (pipe_valid && !pb.j0_only),
    .in_ready_o   (unused_gh_ready),
    .in_data_i    (hdata),
    .in_bytes_i   (pb.nbytes),
    .in_first_i   (pb.first),
    .in_last_i    (pb.last),
    .in_aad_len_i (pb.aad_bytes),
    .in_txt_len_i (pb.txt_bytes),
    .in_hpow_i    (pb.hpow),
    .in_user_i    (pb.user),
    .out_valid_o  (gh_valid),
    .out_ready_i  (1'b1),
    .out_s_o      (gh_s),
    .out_user_o   (gh_user)
  );

  // ------------------------------------------------------------- tag FIFO
  localparam int unsigned TagW = 128 + UserW;

  logic [TagW-1:0]           tf_rdata;
  logic                      unused_tf_wready;
  logic [$clog2(TagDepth):0] unused_tf_count;

  esp_fifo_sync #(
    .Width (TagW),
    .Depth (TagDepth)
  ) u_tag_fifo (
    .clk_i    (clk_i),
    .rst_ni   (rst_ni),
    .wvalid_i (gh_valid),
    .wready_o (unused_tf_wready),
    .wdata_i  ({gh_s ^ gh_ej0, gh_user}),
    .rvalid_o (m_tag_valid_o),
    .rready_i (m_tag_ready_i),
    .rdata_o  (tf_rdata),
    .count_o  (unused_tf_count)
  );

  assign {m_tag_o, m_tag_user_o} = tf_rdata;

endmodule

`default_nettype wire
