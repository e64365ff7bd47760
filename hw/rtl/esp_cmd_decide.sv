// esp_cmd_decide: what a descriptor decides from its own fields
// (hw/spec/CONTRACT.md "Every descriptor" 1-2: esp_desc_check, and
// "Commands"), combinational, for the sequencer (esp_batch_ctrl), which
// takes a command in one cycle (SA_INSTALL: and then reads the SA entry).
//
//   op_enc_o, op_dec_o, op_cmd_o, malformed_o, sa_range_o  (esp_desc_check)
//   status_o     a command's status: BAD_SA for an SA index out of range
//                (sa_range_o: sa_index < sa_capacity_i = min(sa_capacity, MAX_SAS); SPI_SET
//                and STATE_SYNC accept NO_SA_INDEX), SPI_SET MALFORMED for a
//                slot past the card's table (first); else OK
//   sa_index_o   completion sa_index: the command's, NO_SA_INDEX for STOP
//   spi_o        completion spi: SPI_SET's (SA_INSTALL: the entry's, later)
//   install_o    SA_INSTALL to do (read the entry, set the installed bit)
//   delete_o     SA_DELETE to do (clear the installed bit, wipe the key)
//   spi_wr_o     SPI_SET to do: slot spi_slot_o becomes spi_val_o
//                ({spi, sa_index + 1}: NO_SA_INDEX empties it)
//   stop_o       STOP: the run ends after it
//   wb_o         STATE_SYNC or STOP to do: write back the state of SA
//                sa_index, or of every SA (wb_all_o: NO_SA_INDEX, STOP; a
//                STOP with KEEP_STATE writes nothing back)
`default_nettype none

module esp_cmd_decide
  import esp_spec_pkg::*;
#(
  parameter int unsigned MaxSpiBucketsLog2 = 14
) (
  input  wire logic [8*COMMAND_SIZE-1:0] cmd_i,
  input  wire logic [31:0] sa_capacity_i,
  output      logic        op_enc_o,
  output      logic        op_dec_o,
  output      logic        op_cmd_o,
  output      logic        malformed_o,
  output      logic        sa_range_o,
  output      logic [15:0] status_o,
  output      logic [31:0] sa_index_o,
  output      logic [31:0] spi_o,
  output      logic        install_o,
  output      logic        delete_o,
  output      logic        spi_wr_o,
  output      logic [31:0] spi_slot_o,
  output      spi_slot_t   spi_val_o,
  output      logic        stop_o,
  output      logic        wb_o,
  output      logic        wb_all_o
);

  localparam logic [31:0] SpiSlots = 32'(SPI_BUCKET_SLOTS) << MaxSpiBucketsLog2;

  logic     sa_range_i, read_pkt;
  esp_desc_check u_desc_check (
    .desc_i        (cmd_i),
    .sa_capacity_i,
    .op_enc_o,
    .op_dec_o,
    .malformed_o,
    .sa_range_o    (sa_range_i),   // the same field as a command's sa_index
    .read_pkt_o    (read_pkt)
  );
  assign sa_range_o = sa_range_i;

  command_t c;
  logic     all_ok;   // sa_index in range or NO_SA_INDEX
  assign c        = command_t'(cmd_i);
  assign all_ok   = sa_range_i || c.sa_index == NO_SA_INDEX;
  assign op_cmd_o = c.op >= OPCODE_SA_INSTALL && c.op <= OPCODE_STOP;

  always_comb begin
    status_o   = STATUS_OK;
    sa_index_o = c.sa_index;
    spi_o      = '0;
    install_o  = 1'b0;
    delete_o   = 1'b0;
    spi_wr_o   = 1'b0;
    stop_o     = 1'b0;
    wb_o       = 1'b0;
    unique case (c.op)
      OPCODE_SA_INSTALL: if (!sa_range_i) status_o = STATUS_BAD_SA; else install_o = 1'b1;
      OPCODE_SA_DELETE:  if (!sa_range_i) status_o = STATUS_BAD_SA; else delete_o = 1'b1;
      OPCODE_SPI_SET: begin
        spi_o = c.spi;
        if (c.slot >= SpiSlots) status_o = STATUS_MALFORMED;
        else if (!all_ok) status_o = STATUS_BAD_SA;
        else spi_wr_o = 1'b1;
      end
      OPCODE_STATE_SYNC: if (!all_ok) status_o = STATUS_BAD_SA; else wb_o = 1'b1;
      OPCODE_STOP: begin   // with KEEP_STATE: the changed state stays on chip
        sa_index_o = NO_SA_INDEX;
        stop_o     = 1'b1;
        wb_o       = !c.flags[DESCRIPTOR_FLAGS_KEEP_STATE_BIT];
      end
      default: status_o = STATUS_BAD_OPCODE;   // not a command
    endcase
  end

  assign wb_all_o         = stop_o || c.sa_index == NO_SA_INDEX;
  assign spi_slot_o       = c.slot;
  assign spi_val_o.spi    = c.spi;
  assign spi_val_o.sa_ref = c.sa_index + 32'd1;

  logic unused_cmd;
  assign unused_cmd = ^{c.flags[7:DESCRIPTOR_FLAGS_KEEP_STATE_BIT+1], c.flags[DESCRIPTOR_FLAGS_KEEP_STATE_BIT-1:0],
                       c.rsvd0, c.rsvd1, read_pkt};

endmodule : esp_cmd_decide

`default_nettype wire
