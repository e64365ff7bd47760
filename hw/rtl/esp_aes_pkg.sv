// esp_aes_pkg: AES (FIPS-197) as functions: the S-box, one encryption round.
//
// Functions rather than modules so that a pipeline stage computes a round
// inside its register's enable (`if (valid) q <= aes_round(...)`): the same
// gates in synthesis, and a Verilator model that evaluates a stage only in
// the cycles it holds a block. Users call them with the package scope
// (`esp_aes_pkg::aes_round`), which yosys 0.23 reads.
//
// Conventions: a 128-bit state / round key is big-endian (byte 0 in
// [127:120]); AES state column-major (byte r + 4c is row r, column c).
`default_nettype none

package esp_aes_pkg;

  // The S-box, computed from the definition (GF(2^8) inverse, then the affine
  // map) by tools/gen_aes_sbox.py; entry i is SBOX[8i +: 8]. On UltraScale+
  // each output bit is one 8-input function (two LUT6 + MUXF7).
    localparam logic [2047:0] SBOX = {
      8'h16, 8'hbb, 8'h54, 8'hb0, 8'h0f, 8'h2d, 8'h99, 8'h41,  // 255 .. 248
      8'h68, 8'h42, 8'he6, 8'hbf, 8'h0d, 8'h89, 8'ha1, 8'h8c,  // 247 .. 240
      8'hdf, 8'h28, 8'h55, 8'hce, 8'he9, 8'h87, 8'h1e, 8'h9b,  // 239 .. 232
      8'h94, 8'h8e, 8'hd9, 8'h69, 8'h11, 8'h98, 8'hf8, 8'he1,  // 231 .. 224
      8'h9e, 8'h1d, 8'hc1, 8'h86, 8'hb9, 8'h57, 8'h35, 8'h61,  // 223 .. 216
      8'h0e, 8'hf6, 8'h03, 8'h48, 8'h66, 8'hb5, 8'h3e, 8'h70,  // 215 .. 208
      8'h8a, 8'h8b, 8'hbd, 8'h4b, 8'h1f, 8'h74, 8'hdd, 8'he8,  // 207 .. 200
      8'hc6, 8'hb4, 8'ha6, 8'h1c, 8'h2e, 8'h25, 8'h78, 8'hba,  // 199 .. 192
      8'h08, 8'hae, 8'h7a, 8'h65, 8'hea, 8'hf4, 8'h56, 8'h6c,  // 191 .. 184
      8'ha9, 8'h4e, 8'hd5, 8'h8d, 8'h6d, 8'h37, 8'hc8, 8'he7,  // 183 .. 176
      8'h79, 8'he4, 8'h95, 8'h91, 8'h62, 8'hac, 8'hd3, 8'hc2,  // 175 .. 168
      8'h5c, 8'h24, 8'h06, 8'h49, 8'h0a, 8'h3a, 8'h32, 8'he0,  // 167 .. 160
      8'hdb, 8'h0b, 8'h5e, 8'hde, 8'h14, 8'hb8, 8'hee, 8'h46,  // 159 .. 152
      8'h88, 8'h90, 8'h2a, 8'h22, 8'hdc, 8'h4f, 8'h81, 8'h60,  // 151 .. 144
      8'h73, 8'h19, 8'h5d, 8'h64, 8'h3d, 8'h7e, 8'ha7, 8'hc4,  // 143 .. 136
      8'h17, 8'h44, 8'h97, 8'h5f, 8'hec, 8'h13, 8'h0c, 8'hcd,  // 135 .. 128
      8'hd2, 8'hf3, 8'hff, 8'h10, 8'h21, 8'hda, 8'hb6, 8'hbc,  // 127 .. 120
      8'hf5, 8'h38, 8'h9d, 8'h92, 8'h8f, 8'h40, 8'ha3, 8'h51,  // 119 .. 112
      8'ha8, 8'h9f, 8'h3c, 8'h50, 8'h7f, 8'h02, 8'hf9, 8'h45,  // 111 .. 104
      8'h85, 8'h33, 8'h4d, 8'h43, 8'hfb, 8'haa, 8'hef, 8'hd0,  // 103 ..  96
      8'hcf, 8'h58, 8'h4c, 8'h4a, 8'h39, 8'hbe, 8'hcb, 8'h6a,  //  95 ..  88
      8'h5b, 8'hb1, 8'hfc, 8'h20, 8'hed, 8'h00, 8'hd1, 8'h53,  //  87 ..  80
      8'h84, 8'h2f, 8'he3, 8'h29, 8'hb3, 8'hd6, 8'h3b, 8'h52,  //  79 ..  72
      8'ha0, 8'h5a, 8'h6e, 8'h1b, 8'h1a, 8'h2c, 8'h83, 8'h09,  //  71 ..  64
      8'h75, 8'hb2, 8'h27, 8'heb, 8'he2, 8'h80, 8'h12, 8'h07,  //  63 ..  56
      8'h9a, 8'h05, 8'h96, 8'h18, 8'hc3, 8'h23, 8'hc7, 8'h04,  //  55 ..  48
      8'h15, 8'h31, 8'hd8, 8'h71, 8'hf1, 8'he5, 8'ha5, 8'h34,  //  47 ..  40
      8'hcc, 8'hf7, 8'h3f, 8'h36, 8'h26, 8'h93, 8'hfd, 8'hb7,  //  39 ..  32
      8'hc0, 8'h72, 8'ha4, 8'h9c, 8'haf, 8'ha2, 8'hd4, 8'had,  //  31 ..  24
      8'hf0, 8'h47, 8'h59, 8'hfa, 8'h7d, 8'hc9, 8'h82, 8'hca,  //  23 ..  16
      8'h76, 8'hab, 8'hd7, 8'hfe, 8'h2b, 8'h67, 8'h01, 8'h30,  //  15 ..   8
      8'hc5, 8'h6f, 8'h6b, 8'hf2, 8'h7b, 8'h77, 8'h7c, 8'h63   //   7 ..   0
    };

  // Key length, the `klen` of the key schedule, pipe and GCM core. The card
  // offers AES-128 and AES-256 only (hw/spec: CAPS GCM128 / GCM256, the SA
  // flag AES256), so there is no AES-192: klen[1] alone selects AES-256 and
  // the two other codes are reserved (1 behaves as AES-128, 3 as AES-256).
  localparam logic [1:0] AesKlen128 = 2'd0;
  localparam logic [1:0] AesKlen256 = 2'd2;

  // AES-256: AesKlen256's bit set (codes 2, 3); AES-128 otherwise (0, 1).
  function automatic logic aes_is256(input logic [1:0] klen);
    aes_is256 = (klen & AesKlen256) != AesKlen128;
  endfunction

  // Round keys are stage aligned (esp_aes_pipe's last stage is always the
  // final round): round key r of a key with Nr rounds is rk[14 - Nr + r], so
  // the whitening key sits at rk[aes_first_stage(klen)] = 4 / 0.
  function automatic logic [3:0] aes_first_stage(input logic [1:0] klen);
    aes_first_stage = aes_is256(klen) ? 4'd0 : 4'd4;
  endfunction

  function automatic logic [7:0] aes_sbox(input logic [7:0] b);
    aes_sbox = SBOX[8*b +: 8];
  endfunction

  function automatic logic [7:0] aes_xtime(input logic [7:0] b);
    aes_xtime = {b[6:0], 1'b0} ^ (b[7] ? 8'h1b : 8'h00);
  endfunction

  // Key words (Nk): 4 / 8.
  function automatic logic [3:0] aes_nk(input logic [1:0] klen);
    aes_nk = aes_is256(klen) ? 4'd8 : 4'd4;
  endfunction

  function automatic logic [31:0] aes_sub_word(input logic [31:0] w);
    for (int i = 0; i < 4; i++) aes_sub_word[8*i +: 8] = aes_sbox(w[8*i +: 8]);
  endfunction

  // The key schedule in a pipeline (esp_aes_pipe): a window of the last 8
  // expansion words w[g-8..g-1] (newest in [7]) is carried with the blocks.
  // aes_key_window: the window of a fresh key (g = Nk: key word k in
  // [8 - Nk + k], the rest 0). With g = Nk + 4r, round key r is window words
  // [8 - Nk .. 11 - Nk] (aes_window_rk) and aes_key_step appends the words
  // Nk + 4r .. Nk + 4r + 3 (FIPS-197 5.2, one S-box word per step at most).
  function automatic logic [7:0][31:0] aes_key_window(input logic [255:0] key, input logic [1:0] klen);
    logic [3:0] nk;
    nk = aes_nk(klen);
    aes_key_window = '0;
    for (int k = 0; k < 8; k++) begin
      if (32'(k) < 32'(nk)) aes_key_window[8 - 32'(nk) + k] = key[255 - 32*k -: 32];
    end
  endfunction

  function automatic logic [127:0] aes_window_rk(input logic [7:0][31:0] win, input logic [1:0] klen);
    aes_window_rk = aes_is256(klen) ? {win[0], win[1], win[2], win[3]} : {win[4], win[5], win[6], win[7]};
  endfunction

  // rcon for expansion word i = Nk * n: x^(n-1) in GF(2^8).
  function automatic logic [7:0] aes_rcon(input logic [3:0] n);
    logic [7:0] r;
    r = 8'h01;
    for (int j = 1; j < 16; j++) begin
      if (32'(j) < 32'(n)) r = aes_xtime(r);
    end
    aes_rcon = r;
  endfunction

  // Append the four words after round key r (r = rounds already taken, so
  // the words i = Nk + 4r .. Nk + 4r + 3). With Nk = 4 or 8 only the first
  // of the four (i = Nk + 4r, a multiple of 4) passes the S-box: rotated and
  // with rcon(i / Nk) when Nk divides i (AES-128 always; AES-256 for even r),
  // else (AES-256, odd r: i mod 8 = 4) without either. One S-box word.
  function automatic logic [7:0][31:0] aes_key_step(input logic [7:0][31:0] win, input logic [1:0] klen,
                                                    input logic [3:0] r);
    logic        k256, rot;
    logic [3:0]  n;
    logic [31:0] temp;
    logic [7:0][31:0] kw;
    k256 = aes_is256(klen);
    rot  = !k256 || !r[0];
    n    = k256 ? 4'd1 + (r >> 1) : 4'd1 + r;    // i / Nk when rot
    kw    = win;
    for (int k = 0; k < 4; k++) begin
      temp = kw[7];
      if (k == 0) begin
        temp = aes_sub_word(rot ? {temp[23:0], temp[31:24]} : temp) ^ {rot ? aes_rcon(n) : 8'h00, 24'h0};
      end
      kw = {(k256 ? kw[0] : kw[4]) ^ temp, kw[7:1]};
    end
    aes_key_step = kw;
  endfunction

  // SubBytes, ShiftRows, MixColumns (not in the last round), AddRoundKey.
  function automatic logic [127:0] aes_round(input logic [127:0] state, input logic [127:0] rk,
                                             input logic last);
    logic [7:0] sb [16];
    logic [7:0] sr [16];
    logic [7:0] a0, a1, a2, a3;
    logic [127:0] r;
    for (int i = 0; i < 16; i++) sb[i] = aes_sbox(state[127-8*i -: 8]);
    for (int c = 0; c < 4; c++) begin
      for (int w = 0; w < 4; w++) sr[w + 4*c] = sb[w + 4*((c + w) % 4)];
    end
    for (int c = 0; c < 4; c++) begin
      a0 = sr[4*c];
      a1 = sr[4*c + 1];
      a2 = sr[4*c + 2];
      a3 = sr[4*c + 3];
      if (!last) begin
        sr[4*c]     = aes_xtime(a0 ^ a1) ^ a1 ^ a2 ^ a3;
        sr[4*c + 1] = aes_xtime(a1 ^ a2) ^ a2 ^ a3 ^ a0;
        sr[4*c + 2] = aes_xtime(a2 ^ a3) ^ a3 ^ a0 ^ a1;
        sr[4*c + 3] = aes_xtime(a3 ^ a0) ^ a0 ^ a1 ^ a2;
      end
    end
    for (int i = 0; i < 16; i++) r[127-8*i -: 8] = sr[i] ^ rk[127-8*i -: 8];
    aes_round = r;
  endfunction

  // {2.S(x), S(x)}: what a state byte x gives its MixColumns column after
  // SubBytes (esp_aes_sbox_rom's table).
  function automatic logic [15:0] aes_sbox_mix(input logic [7:0] x);
    logic [7:0] b;
    b = aes_sbox(x);
    aes_sbox_mix = {aes_xtime(b), b};
  endfunction

  // aes_round from the state's bytes already through the S-box:
  // t[i] = aes_sbox_mix(state byte i) (byte 0 in t[0]). ShiftRows, then
  // MixColumns as 2.a0 ^ 3.a1 ^ a2 ^ a3 with 3.a = 2.a ^ a (one 6-input XOR
  // per bit with the round key), AddRoundKey; the last round takes S alone.
  function automatic logic [127:0] aes_round_mix(input logic [15:0][15:0] t, input logic [127:0] rk,
                                                 input logic last);
    logic [15:0] sr [16];
    logic [15:0] a0, a1;
    logic [7:0]  a2, a3, o;   // (S only)
    logic [127:0] r;
    for (int c = 0; c < 4; c++) begin
      for (int w = 0; w < 4; w++) sr[w + 4*c] = t[w + 4*((c + w) % 4)];
    end
    for (int c = 0; c < 4; c++) begin
      for (int w = 0; w < 4; w++) begin
        a0 = sr[4*c + w];
        a1 = sr[4*c + (w + 1) % 4];
        a2 = sr[4*c + (w + 2) % 4][7:0];
        a3 = sr[4*c + (w + 3) % 4][7:0];
        o  = last ? a0[7:0] : a0[15:8] ^ a1[15:8] ^ a1[7:0] ^ a2 ^ a3;
        r[127 - 8*(w + 4*c) -: 8] = o ^ rk[127 - 8*(w + 4*c) -: 8];
      end
    end
    aes_round_mix = r;
  endfunction

endpackage

`default_nettype wire
