// esp_desc_check: what a descriptor alone decides (hw/spec/CONTRACT.md
// "Every descriptor" 1-2), for the fetch stage (whether to read the input
// packet) and the process stage (the statuses).
`default_nettype none

module esp_desc_check
  import esp_spec_pkg::*;
(
  input  wire logic [8*DESCRIPTOR_SIZE-1:0] desc_i,
  input  wire logic [31:0]                  sa_capacity_i,
  output      logic                         op_enc_o,      // ENCRYPT
  output      logic                         op_dec_o,      // DECRYPT
  output      logic                         malformed_o,   // offsets not bus-aligned, in_length 0 or too long
  output      logic                         sa_range_o,    // sa_index < sa_capacity
  output      logic                         read_pkt_o     // the input packet is needed
);

  localparam int unsigned PktAlign = $clog2(PKT_BUS_BYTES);

  descriptor_t d;
  logic [7:0]  op;
  logic [31:0] sa_index, in_length;
  logic [63:0] in_offset, out_offset;
  assign d          = descriptor_t'(desc_i);
  assign op         = d.op;
  assign sa_index   = d.sa_index;
  assign in_offset  = d.in_offset;
  assign in_length  = d.in_length;
  assign out_offset = d.out_offset;

  assign op_enc_o    = op == OPCODE_ENCRYPT;
  assign op_dec_o    = op == OPCODE_DECRYPT;
  assign malformed_o = (in_offset[PktAlign-1:0] != '0) | (out_offset[PktAlign-1:0] != '0) |
                       (in_length == '0) | (in_length > 32'(MAX_PKT_BYTES));
  assign sa_range_o  = sa_index < sa_capacity_i;
  // ENCRYPT reads its packet once the SA index is in range (the SA's other
  // checks come later, in the process stage: a packet read has no effect on
  // card memory), DECRYPT always.
  assign read_pkt_o  = !malformed_o & ((op_enc_o & sa_range_o) | op_dec_o);

  logic unused_desc;
  assign unused_desc = ^{d.flags, d.rsvd0, in_offset[63:PktAlign], out_offset[63:PktAlign], d.out_capacity};

endmodule : esp_desc_check

`default_nettype wire
