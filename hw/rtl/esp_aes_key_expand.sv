// esp_aes_key_expand: AES-128 / AES-192 / AES-256 key schedule (FIPS-197
// 5.2), iterative, four words per cycle (10 cycles for AES-128, 12 for
// AES-192, 13 for AES-256, + 1 to load the key).
//
// Run once per key (when an SA is installed or first used); the result is
// cached with the SA and never recomputed per packet.
//
// Round keys come out *stage aligned* for esp_aes_pipe, whose last stage is
// always the final round: round key r of a key with Nr rounds is
// rk_o[14 - Nr + r] (esp_aes_pkg::aes_first_stage), the slots before it are 0.
// As 60 words, expansion word i sits at word 4 * first + i, word 0 of rk_o[j]
// in [127:96].
// Keys and blocks are big-endian: key byte 0 in key_i[255:248]; an AES-128
// key is key_i[255:128], an AES-192 key key_i[255:64].
`default_nettype none

module esp_aes_key_expand (
  input  wire logic                clk_i,
  input  wire logic                rst_ni,

  input  wire logic                in_valid_i,
  output      logic                in_ready_o,
  input  wire logic [255:0]        key_i,
  input  wire logic [1:0]          klen_i,      // esp_aes_pkg::AesKlen*

  output      logic                out_valid_o,
  input  wire logic                out_ready_i,
  output      logic [14:0][127:0]  rk_o,
  output      logic [1:0]          klen_o
);

  typedef enum logic [1:0] {StIdle, StBusy, StDone} state_e;

  state_e             state_d, state_q;
  logic [1:0]         klen_d, klen_q;
  logic [3:0]         nk_d, nk_q;        // key words: 4, 6, 8
  logic [5:0]         widx_d, widx_q;    // expansion index of the next word
  logic [5:0]         wend_d, wend_q;    // 4 * (Nr + 1)
  logic [5:0]         wpos_d, wpos_q;    // its position among the 60 words
  logic [2:0]         wmod_d, wmod_q;    // widx mod nk
  logic [7:0]         rcon_d, rcon_q;
  logic [7:0][31:0]   win_d, win_q;      // the last 8 words, newest in [7]
  logic [59:0][31:0]  words_d, words_q;  // = rk: position p is words[p ^ 3]

  function automatic logic [31:0] sub_word(input logic [31:0] w);
    for (int i = 0; i < 4; i++) sub_word[8*i +: 8] = esp_aes_pkg::aes_sbox(w[8*i +: 8]);
  endfunction

  always_comb begin
    logic [31:0] temp, nw;
    logic [3:0]  first;
    logic [3:0][31:0] nws;   // this cycle's new words, valid where nv
    logic [3:0]  nv;
    temp    = '0;
    nw      = '0;
    nws     = '0;
    nv      = '0;
    first   = '0;
    state_d = state_q;
    klen_d  = klen_q;
    nk_d    = nk_q;
    widx_d  = widx_q;
    wend_d  = wend_q;
    wpos_d  = wpos_q;
    wmod_d  = wmod_q;
    rcon_d  = rcon_q;
    win_d   = win_q;
    words_d = words_q;

    unique case (state_q)
      StIdle: begin
        if (in_valid_i) begin
          klen_d  = klen_i;
          first   = esp_aes_pkg::aes_first_stage(klen_i);
          nk_d    = (klen_i == esp_aes_pkg::AesKlen256) ? 4'd8
                  : (klen_i == esp_aes_pkg::AesKlen192) ? 4'd6 : 4'd4;
          wend_d  = 6'(4 * (15 - 32'(first)));
          widx_d  = 6'(nk_d);
          wpos_d  = 6'(4 * 32'(first) + 32'(nk_d));
          wmod_d  = 3'd0;
          rcon_d  = 8'h01;
          words_d = '0;
          win_d   = '0;
          for (int k = 0; k < 8; k++) begin
            // key word k: window slot 8 - nk + k, and expansion word k
            // (position 4 * first + k)
            if (k < 32'(nk_d)) win_d[8 - 32'(nk_d) + k] = key_i[255 - 32*k -: 32];
          end
          // Written position by position, each with its constant index (a
          // computed index is a 1,920-bit shifter per write in synthesis).
          for (int p = 0; p < 60; p++) begin
            for (int k = 0; k < 8; k++) begin
              if (k < 32'(nk_d) && 32'(p) == 4 * 32'(first) + k) words_d[p ^ 3] = key_i[255 - 32*k -: 32];
            end
          end
          state_d = StBusy;
        end
      end
      StBusy: begin
        nv = '0;
        for (int k = 0; k < 4; k++) begin
          if (widx_d < wend_q) begin
            temp = win_d[7];
            if (wmod_d == 3'd0) begin
              temp   = sub_word({temp[23:0], temp[31:24]}) ^ {rcon_d, 24'h0};
              rcon_d = esp_aes_pkg::aes_xtime(rcon_d);
            end else if (nk_q == 4'd8 && wmod_d == 3'd4) begin
              temp = sub_word(temp);
            end
            nw = win_d[8 - 32'(nk_q)] ^ temp;
            nws[k] = nw;
            nv[k]  = 1'b1;
            win_d  = {nw, win_d[7:1]};
            widx_d = widx_d + 6'd1;
            wpos_d = wpos_d + 6'd1;
            wmod_d = (wmod_d == 3'(nk_q - 4'd1)) ? 3'd0 : wmod_d + 3'd1;
          end
        end
        // new word k goes to position wpos + k (constant indices, as above)
        for (int p = 0; p < 60; p++) begin
          for (int k = 0; k < 4; k++) begin
            if (nv[k] && 6'(p) == wpos_q + 6'(k)) words_d[p ^ 3] = nws[k];
          end
        end
        if (widx_d >= wend_q) state_d = StDone;
      end
      StDone: begin
        if (out_ready_i) state_d = StIdle;
      end
      default: state_d = StIdle;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= StIdle;
    end else begin
      state_q <= state_d;
    end
  end

  always_ff @(posedge clk_i) begin
    klen_q  <= klen_d;
    nk_q    <= nk_d;
    widx_q  <= widx_d;
    wend_q  <= wend_d;
    wpos_q  <= wpos_d;
    wmod_q  <= wmod_d;
    rcon_q  <= rcon_d;
    win_q   <= win_d;
    words_q <= words_d;
  end

  assign in_ready_o  = (state_q == StIdle);
  assign out_valid_o = (state_q == StDone);
  assign rk_o        = words_q;
  assign klen_o      = klen_q;

endmodule

`default_nettype wire
