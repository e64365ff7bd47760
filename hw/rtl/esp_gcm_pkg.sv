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

endpackage

`default_nettype wire
