// esp_batch_units: the process stage's packet units and buffer ports as the
// head (esp_batch_ctrl) and the tail (esp_batch_tail, instanced here) share
// them (hw/rtl/DATAPATH.md "The process stage across descriptors"). From the
// head's step and registers (head_i: esp_unit_pkg::head_view_t) it builds
// the units' requests (esp_batch_req), issues esp_aead's jobs (an ENCRYPT
// with enc_go, a DECRYPT with dec_go, a wipe from
// StCmdWipe), pushes the descriptors that go to the tail with their jobs
// and selects who owns each buffer port. esp_trailer and esp_ip_parse (and
// their obuf read port r) are the head's alone; the tail reads no slot (its
// DECRYPT's trailer and inner header come with esp_aead's answer).
`default_nettype none

module esp_batch_units
  import esp_spec_pkg::*;
  import esp_unit_pkg::*;
#(
  parameter int unsigned OSlots = 4,
  localparam int unsigned OSlotW = (OSlots > 1) ? $clog2(OSlots) : 1
) (
  input  wire logic              clk_i,
  input  wire logic              rst_ni,
  input  wire head_view_t        head_i,
  input  wire logic [OSlotW-1:0] hslot_i,     // the head's output slot

  // the tail, for the head
  output      logic              tail_idle_o,
  output      logic [(1<<OSlotW)-1:0]       dec_v_o,
  output      logic [(1<<OSlotW)-1:0][31:0] dec_sa_o,
  output      st_wr_t            st_wr_o,      // the SA store's write: the head's, or the tail's DECRYPT
  output      te_flush_t         tail_fl_o,    // with it, a crossing's old te to card memory (the head posts it)
  input  wire logic              fl_full_i,    // the head still holds one

  // the write-back stage: the pushes of finished output slots, in order
  output      logic              out_push_o,
  output      logic [8*COMPLETION_SIZE-1:0] out_cpl_o,
  output      logic              out_wr_pkt_o,
  output      logic [63:0]       out_offset_o,
  output      logic [31:0]       out_length_o,
  output      logic [31:0]       out_capacity_o,

  // buffer port owners
  output      logic [1:0]        ibuf_rsel_o,   // 0 esp_ip_parse, 1 esp_aead, 2 esp_hdr_build
  output      logic [1:0]        obuf_rsel_o,   // 1 esp_trailer, 2 esp_ip_parse (else no read)
  output      logic              parse_obuf_o,  // esp_ip_parse reads obuf (else ibuf)
  output      logic [OSlotW-1:0] obuf_rd_slot_o,   // the output slot esp_trailer / esp_ip_parse read (the head's)
  output      logic [OSlotW-1:0] obuf_hb_slot_o,   // the output slot esp_hdr_build writes
  // esp_ip_parse
  output      logic              parse_start_o,
  output      parse_req_t        parse_req_o,
  // esp_trailer
  output      logic              tr_start_o,
  output      tr_req_t           tr_req_o,
  // esp_aead
  output      logic              aead_req_valid_o,
  input  wire logic              aead_req_ready_i,
  output      aead_req_t         aead_req_o,
  output      logic [OSlotW-1:0] aead_oslot_o,  // the job's output slot
  output      logic              aead_irel_o,   // esp_aead's read of the job releases its input ticket
  input  wire logic              aead_rd_idle_i,    // esp_aead has read every job's input
  input  wire logic              aead_rsp_valid_i,
  output      logic              aead_rsp_ready_o,
  input  wire aead_rsp_t         aead_rsp_i,
  // esp_hdr_build
  output      logic              hb_start_o,
  output      hb_req_t           hb_req_o,
  input  wire logic              hb_done_i
);

  head_state_e st;
  assign st = head_i.state;

  // ------------------------------------------------------------- the tail
  logic        enc_req, dec_push, tail_push, tail_rsp_ready;
  hb_req_t     head_hb_req;
  esp_batch_tail #(.Depth(OSlots), .OSlotW(OSlotW)) u_tail (
    .clk_i, .rst_ni, .idle_o (tail_idle_o),
    .push_i (tail_push), .push_dec_i (dec_push), .push_dctx_i (head_i.dctx), .push_oslot_i (hslot_i),
    .push_hb_i (head_hb_req), .push_cpl_i (head_i.cpl),
    .push_out_off_i (head_i.out_off), .push_out_len_i (32'(head_i.pk.out_len)), .push_out_cap_i (head_i.out_cap),
    .dec_v_o, .dec_sa_o,
    .aead_rsp_valid_i, .aead_rsp_ready_o (tail_rsp_ready), .aead_rsp_i,
    .h_slot_i (hslot_i), .h_hb_i (st == StDecHdr), .h_hb_start_i (head_i.hb_go), .h_hb_req_i (head_hb_req),
    .hb_start_o, .hb_req_o, .obuf_hb_slot_o, .hb_done_i,
    .h_st_we_i (head_i.st_we), .h_st_mark_i (head_i.st_mark), .h_st_idx_i (head_i.sa_idx), .h_st_line_i (head_i.st_line),
    .h_st_te_i (head_i.st_te), .h_st_te_off_i (head_i.st_te_off), .h_st_te_ok_i (head_i.st_te_ok),
    .st_we_o (st_wr_o.we), .st_mark_o (st_wr_o.mark), .st_idx_o (st_wr_o.idx), .st_line_o (st_wr_o.line),
    .st_te_o (st_wr_o.te), .st_te_off_o (st_wr_o.te_off), .st_te_ok_o (st_wr_o.te_ok),
    .fl_o (tail_fl_o), .fl_full_i,
    .h_push_i (head_i.push), .h_wr_pkt_i (head_i.wr_pkt), .out_push_o, .out_cpl_o, .out_wr_pkt_o, .out_offset_o,
    .out_length_o, .out_capacity_o
  );
  assign dec_push  = head_i.dec_go && head_i.dec_tail;
  assign tail_push = (enc_req || dec_push) && aead_req_ready_i;

  // the units: their requests (esp_batch_req), starts and handshakes
  esp_batch_req u_req (
    .op_enc_i (head_i.op_enc), .wipe_i (st == StCmdWipe), .setup_i (st == StCmdKey), .sa_i (head_i.sa),
    .pk_i (head_i.pk), .sa_index_i (head_i.sa_idx), .seq_i (head_i.seq), .parse_mode_i (head_i.parse_mode),
    .parse_avail_i (head_i.parse_avail),
    .parse_req_o, .tr_req_o, .aead_req_o, .hb_req_o (head_hb_req)
  );
  // the head's esp_ip_parse and esp_trailer, on the head's output slot (a
  // DECRYPT finished in the head; esp_ip_parse reads it in StDecInner)
  assign parse_start_o  = head_i.parse_go;
  assign tr_start_o     = head_i.tr_go;
  assign parse_obuf_o   = st == StDecInner;
  assign obuf_rd_slot_o = hslot_i;
  // the head's requests: ENCRYPT enc_go, DECRYPT dec_go (to the tail, or
  // finished in the head once the tail is idle), SA_DELETE's wipe,
  // SA_INSTALL's key setup
  assign enc_req          = head_i.enc_go;
  assign aead_req_valid_o = enc_req | (head_i.dec_go && (head_i.dec_tail || (tail_idle_o && !head_i.spec))) |
                            (st == StCmdWipe) | (st == StCmdKey);
  assign aead_oslot_o     = hslot_i;
  // A job whose input nothing reads after esp_aead (tunnel ENCRYPT: the
  // outer header is built from the SA; tunnel DECRYPT in the tail: the rest
  // reads the output slot) releases its ticket when esp_aead has read it;
  // the others at the head's pop (transport ENCRYPT: after the tail's
  // esp_hdr_build copied the header; the head's own DECRYPT).
  assign aead_irel_o      = (enc_req && head_i.sa.tunnel) || dec_push;
  // (the head's own DECRYPT runs only while the tail is idle)
  assign aead_rsp_ready_o = (st == StDecAeadRsp) | tail_rsp_ready;

  // ibuf, the head's ticket (esp_aead reads its job's ticket on a port of
  // its own): esp_ip_parse; (ENCRYPT transport, once esp_aead has read it)
  // the tail's esp_hdr_build copies the header from it; none while a job
  // of it waits for esp_aead
  always_comb begin
    ibuf_rsel_o = 2'd0;
    if (st == StEncAead || head_i.dec_go || st == StDecAeadRsp || (st == StEncRel && !aead_rd_idle_i)) begin
      ibuf_rsel_o = 2'd1;
    end
    if (st == StDecHdr || (st == StEncRel && aead_rd_idle_i)) ibuf_rsel_o = 2'd2;
    obuf_rsel_o = 2'd0;
    if (st == StDecTrl) obuf_rsel_o = 2'd1;
    if (st == StDecInner) obuf_rsel_o = 2'd2;
  end

endmodule : esp_batch_units

`default_nettype wire
