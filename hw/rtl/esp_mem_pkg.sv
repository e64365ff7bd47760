// esp-offload: the card-memory commands of esp_mem_access, shared by its
// clients (esp_batch_ctrl, esp_fetch, esp_writeback).

`default_nettype none

package esp_mem_pkg;
  import esp_spec_pkg::*;

  typedef enum logic [2:0] {
    CmdRdStruct = 3'd0,  // struct read: len bytes at an 8-byte-aligned address -> image
    CmdWrStruct = 3'd1,  // strobed struct write: the masked bytes of an image
    CmdRdPkt    = 3'd2,  // packet read: ceil(len/64) beats into the client's buffer from word 0
    CmdWrPkt    = 3'd3,  // packet write: ceil(len/64) beats of the client's buffer (zero past len, nothing past cap)
    CmdFill     = 3'd4   // len zero bytes at an 8-byte-aligned address
  } mem_cmd_e;

  // The bytes of an SA entry the engine reads: every field (the reserved
  // tail after tun_dst is not read).
  function automatic int unsigned sa_read_bytes();
    return SA_ENTRY_TUN_DST_OFFSET + SA_ENTRY_TUN_DST_BYTES;
  endfunction

  // Bus beats a block of n descriptors at any 8-byte-aligned address spans.
  function automatic int unsigned desc_block_beats(int unsigned n);
    return (n * DESCRIPTOR_SIZE + PKT_BUS_BYTES - CTL_WORD_BYTES + PKT_BUS_BYTES - 1) / PKT_BUS_BYTES;
  endfunction

endpackage

`default_nettype wire
