// esp-offload: types shared by the GCM core and its users.

`default_nettype none

package esp_gcm_pkg;

  // What the core does with a packet (per-packet sideband of esp_gcm_core).
  typedef enum logic [1:0] {
    GcmEncrypt = 2'd0,  // text is plaintext; GHASH over the output
    GcmDecrypt = 2'd1,  // text is ciphertext; GHASH over the input
    GcmGmac    = 2'd2,  // every byte is AAD, nothing is encrypted (RFC 4543)
    GcmRsvd    = 2'd3   // reserved: behaves as GcmDecrypt
  } gcm_mode_e;

  // GF(2^128) product in GCM's bit order (NIST SP 800-38D 6.3, Algorithm 1):
  // bit 0 of a block (the first on the wire) is [127], the coefficient of
  // x^0. A function, so that a stage computes it inside its register's enable
  // (see esp_aes_pkg); fully unrolled it is an XOR network.
  function automatic logic [127:0] gf128_mul(input logic [127:0] x, input logic [127:0] y);
    logic [127:0] z, v;
    z = '0;
    v = y;
    for (int i = 0; i < 128; i++) begin
      if (x[127-i]) z = z ^ v;
      v = {1'b0, v[127:1]} ^ (v[0] ? {8'he1, 120'h0} : 128'h0);
    end
    gf128_mul = z;
  endfunction

endpackage

`default_nettype wire
