// esp_aead_tickets: the input ticket of each esp_aead job (hw/rtl/DATAPATH.md
// "Buffers"), beside esp_aead. esp_aead reads its jobs' input words in the
// order it takes the jobs, every word of one job before the next job's
// (aead_in_words of each, esp_unit_pkg; a wipe or a setup reads none): so the job of
// each read is the oldest job taken and not yet read whole. Each job's
// ticket (req_islot_i, with the job) addresses esp_aead's reads (slot_o, for
// the read of this cycle); rd_done_o / rd_done_slot_o pulse with the job's
// last read (its data the next cycle) when the job asked for it
// (req_irel_i: its ticket is released then).
`default_nettype none

module esp_aead_tickets
  import esp_spec_pkg::*;
  import esp_unit_pkg::*;
#(
  parameter int unsigned ISlotW = 6,
  parameter int unsigned Jobs = 4     // jobs taken, not read whole (esp_aead holds 2: one read, one looked up)
) (
  input  wire logic              clk_i,
  input  wire logic              rst_ni,
  input  wire logic              req_fire_i,    // esp_aead takes req_i
  input  wire aead_req_t         req_i,
  input  wire logic [ISlotW-1:0] req_islot_i,
  input  wire logic              req_irel_i,
  input  wire logic              ibuf_re_i,     // esp_aead reads an input word
  output      logic [ISlotW-1:0] slot_o,
  output      logic              rd_done_o,
  output      logic [ISlotW-1:0] rd_done_slot_o
);

  localparam int unsigned NwW = PKT_LEN_BITS + 2;

  logic              q_valid, q_ready, q_irel, last;
  logic [ISlotW-1:0] q_slot;
  logic [NwW-1:0]    q_nw, k_q;
  logic [$clog2(Jobs):0] q_count;

  esp_fifo_sync #(.Width(ISlotW + 1 + NwW), .Depth(Jobs)) u_jobs (
    .clk_i,
    .rst_ni,
    .wvalid_i (req_fire_i && !req_i.wipe && !req_i.setup),
    .wready_o (q_ready),
    .wdata_i  ({req_islot_i, req_irel_i,
                  aead_in_words(req_i.encrypt, req_i.gmac, req_i.esn, req_i.src_off, req_i.len, req_i.icv_len,
                                req_i.trl, req_i.pay_len)}),
    .rvalid_o (q_valid),
    .rready_i (ibuf_re_i && last),
    .rdata_o  ({q_slot, q_irel, q_nw}),
    .count_o  (q_count)
  );

  assign last = k_q == q_nw - NwW'(1);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) k_q <= '0;
    else if (ibuf_re_i) k_q <= last ? '0 : k_q + NwW'(1);
  end

  assign slot_o         = q_slot;
  assign rd_done_o      = ibuf_re_i && last && q_irel;
  assign rd_done_slot_o = q_slot;

  logic unused_t;
  assign unused_t = ^{q_valid, q_ready, q_count, req_i.aes256, req_i.key, req_i.sa_index, req_i.generation,
                      req_i.salt, req_i.spi, req_i.seq, req_i.dst_off, req_i.trl, req_i.pay_len, req_i.nh};

endmodule : esp_aead_tickets

`default_nettype wire
