// esp_fetch: the fetch stage (hw/rtl/README.md "Stages"), ahead of the
// process stage, in two parts that run at the same time:
//
//   esp_desc_stream: the run's descriptors read from the ring as a stream
//     (from ring_first up to the live DESC_PROD, nothing after a STOP) into
//     a FIFO of QDepth descriptors, one per cycle out;
//   esp_pkt_stream: each descriptor in order gets a ticket (the input
//     "slot") and a run of words of the input ring (esp_in_ring, the
//     engine's ibuf), and its input packet is read there when it needs it;
//     up to Slots descriptors are held (Slots - 1 packet reads in flight
//     while the process stage works on the oldest).
//
// Beside them esp_cls_ahead classifies each ENCRYPT's and DECRYPT's packet on its first
// beats into the input ring (p_*), so that the process stage's head finds
// the parse answer of its ticket ready (head_cls_*) instead of parsing.
//
// The process stage takes the tickets in order (head_*) and pops each
// (pop_i) when it is done with it as the oldest; a ticket's words are free
// once it is popped and released (pop_rel_i with the pop, or rel_i /
// rel_slot_i: esp_aead has read the job's input), in any order.
`default_nettype none

module esp_fetch
  import esp_spec_pkg::*;
  import esp_unit_pkg::*;
#(
  parameter int unsigned Slots = 64,
  parameter int unsigned QDepth = 256,
  parameter int unsigned RingWords = 1024,
  parameter int unsigned BeatsAhead = 64,   // esp_pkt_stream: packet beats asked for and not arrived, below which a read goes
  parameter int unsigned Aw = 8,             // a ticket's word address (esp_in_ring)
  localparam int unsigned Sw = $clog2(Slots),
  localparam int unsigned Rw = $clog2(RingWords),
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES,
  localparam int unsigned DescW = 8 * DESCRIPTOR_SIZE
) (
  input  wire logic             clk_i,
  input  wire logic             rst_ni,

  // a run starts (arguments sampled)
  input  wire logic             start_i,
  input  wire logic [63:0]      desc_ring_i,
  input  wire logic [63:0]      pkt_in_i,
  input  wire logic [31:0]      ring_first_i,
  input  wire logic [31:0]      ring_mask_i,      // 2^ring_log2 - 1
  input  wire logic [31:0]      sa_capacity_i,    // min(sa_capacity, MAX_SAS)
  input  wire logic [31:0]      desc_prod_i,      // DESC_PROD, live
  output      logic             idle_o,
  output      logic [31:0]      taken_o,          // the index after the last descriptor read in

  // esp_mem_access, descriptor client (streaming reads)
  output      logic             d_valid_o,
  output      logic [63:0]      d_addr_o,
  output      logic [31:0]      d_len_o,
  input  wire logic             d_acc_i,
  input  wire logic             d_beat_i,
  input  wire logic [Dw-1:0]    d_data_i,

  // esp_mem_access, packet client: a read is issued with f_valid_o and held
  // until f_acc_i
  output      logic             f_valid_o,
  output      logic [63:0]      f_addr_o,
  output      logic [31:0]      f_len_o,
  output      logic [Sw-1:0]    f_slot_o,
  input  wire logic             f_acc_i,
  input  wire logic             f_beat_i,         // a packet beat arrived

  // the input ring (esp_in_ring): a ticket's packet is in; the tickets' runs
  input  wire logic             wdone_i,
  input  wire logic [Sw-1:0]    wdone_slot_i,
  output      logic [Slots*Rw-1:0] base_o,
  // the packet beats into the ring (esp_in_ring's producer port)
  input  wire logic             p_we_i,
  input  wire logic [Sw-1:0]    p_slot_i,
  input  wire logic [Aw-1:0]    p_waddr_i,
  input  wire logic [Dw-1:0]    p_wdata_i,

  // the ready tickets (the process stage's)
  output      logic [Slots-1:0] ready_o,

  // the oldest ticket, for the process stage
  output      logic             head_valid_o,
  output      logic [Sw-1:0]    head_slot_o,
  output      logic [DescW-1:0] head_desc_o,
  output      logic             next_enc_o,      // the ticket behind the head: an ENCRYPT of SA next_sa_o
  output      logic [31:0]      next_sa_o,
  output      logic             next_lk_o,       // ... a DECRYPT whose packet's SPI is next_spi_o (classified)
  output      logic [31:0]      next_spi_o,
  output      logic             head_cls_valid_o,   // its packet classified (esp_cls_ahead): head_cls_rsp_o
  output      parse_rsp_t       head_cls_rsp_o,
  input  wire logic             pop_i,
  input  wire logic             pop_rel_i,
  input  wire logic             rel_i,
  input  wire logic [Sw-1:0]    rel_slot_i
);

  logic             q_valid, q_pop, d_idle, p_idle, n_lk, n_cls;
  logic             tk, tk_read, tk_enc;
  logic [Sw-1:0]    tk_slot;
  logic [31:0]      tk_len;
  logic [DescW-1:0] q_desc;

  esp_desc_stream #(.Depth(QDepth)) u_desc (
    .clk_i,
    .rst_ni,
    .start_i,
    .desc_ring_i,
    .ring_first_i,
    .ring_mask_i,
    .desc_prod_i,
    .idle_o      (d_idle),
    .taken_o,
    .d_valid_o,
    .d_addr_o,
    .d_len_o,
    .d_acc_i,
    .d_beat_i,
    .d_data_i,
    .out_valid_o (q_valid),
    .out_desc_o  (q_desc),
    .out_pop_i   (q_pop)
  );

  esp_pkt_stream #(.Tickets(Slots), .RingWords(RingWords), .BeatsAhead(BeatsAhead)) u_pkt (
    .clk_i,
    .rst_ni,
    .start_i,
    .pkt_in_i,
    .sa_capacity_i,
    .idle_o       (p_idle),
    .in_valid_i   (q_valid),
    .in_desc_i    (q_desc),
    .in_pop_o     (q_pop),
    .f_valid_o,
    .f_addr_o,
    .f_len_o,
    .f_slot_o,
    .f_acc_i,
    .f_beat_i,
    .wdone_i,
    .wdone_slot_i,
    .base_o,
    .tk_o         (tk),
    .tk_slot_o    (tk_slot),
    .tk_read_o    (tk_read),
    .tk_enc_o     (tk_enc),
    .tk_len_o     (tk_len),
    .ready_o,
    .head_valid_o,
    .head_slot_o,
    .head_desc_o,
    .next_enc_o,
    .next_sa_o,
    .next_lk_o    (n_lk),
    .pop_i,
    .pop_rel_i,
    .rel_i,
    .rel_slot_i
  );

  esp_cls_ahead #(.Tickets(Slots), .Aw(Aw)) u_cls (
    .clk_i,
    .rst_ni,
    .t_take_i  (tk),
    .t_slot_i  (tk_slot),
    .t_cls_i   (tk_read),
    .t_mode_i  (tk_enc ? PARSE_IP : PARSE_LOCATE_ESP),
    .t_len_i   (PKT_LEN_BITS'(tk_len)),   // (in_length <= MAX_PKT_BYTES when it is read)
    .p_we_i,
    .p_slot_i,
    .p_waddr_i,
    .p_wdata_i,
    .h_slot_i  (head_slot_o),
    .h_valid_o (head_cls_valid_o),
    .h_rsp_o   (head_cls_rsp_o),
    .n_slot_i  (head_slot_o + Sw'(1)),
    .n_valid_o (n_cls),
    .n_spi_o   (next_spi_o)
  );
  assign next_lk_o = n_lk && n_cls;

  logic unused_tk_len;
  assign unused_tk_len = ^tk_len[31:PKT_LEN_BITS];

  assign idle_o = d_idle && p_idle;

endmodule : esp_fetch

`default_nettype wire
