// esp_cls_ahead: the fetch stage's classify of each packet on its first
// beats (issue 14: "classify packets on their first beats"), so that the
// process stage's head does not run esp_ip_parse for it. For each ticket
// given to an ENCRYPT or DECRYPT that reads its packet (t_take_i with
// t_cls_i; the parse mode in t_mode_i: PARSE_IP for an ENCRYPT, the mode of a
// tunnel-mode SA, CONTRACT.md ENCRYPT 2; PARSE_LOCATE_ESP for a DECRYPT,
// DECRYPT 1-3; the descriptor's in_length in t_len_i), the packet's words 0
// and 1 are taken from the beats on their way into the input ring (p_*: a
// ticket's words arrive in order, and the tickets' packets in ticket
// order), and esp_classify answers for them with avail = in_length; the
// answer is kept with the ticket. h_valid_o: the answer for ticket h_slot_i is in and esp_classify
// decided it (not slow): then h_rsp_o is exactly what esp_ip_parse answers
// for that request (formal_classify). Otherwise (a transport-mode SA, a
// packet esp_classify leaves to esp_ip_parse, an answer not yet in) the head
// parses as before. A ticket given again forgets its answer (and one still
// on its way for the ticket's previous descriptor: pend_q).
`default_nettype none

module esp_cls_ahead
  import esp_spec_pkg::*;
  import esp_unit_pkg::*;
#(
  parameter int unsigned Tickets = 64,
  parameter int unsigned Aw = 8,          // a ticket's word address (esp_in_ring)
  localparam int unsigned Tw = $clog2(Tickets),
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES
) (
  input  wire logic          clk_i,
  input  wire logic          rst_ni,

  // a ticket given (esp_pkt_stream)
  input  wire logic          t_take_i,
  input  wire logic [Tw-1:0] t_slot_i,
  input  wire logic          t_cls_i,       // classify its packet (an ENCRYPT / DECRYPT that reads it)
  input  wire parse_mode_e   t_mode_i,
  input  wire pkt_len_t      t_len_i,       // its in_length

  // the packet beats into the input ring (esp_in_ring's producer port)
  input  wire logic          p_we_i,
  input  wire logic [Tw-1:0] p_slot_i,
  input  wire logic [Aw-1:0] p_waddr_i,
  input  wire logic [Dw-1:0] p_wdata_i,

  // the head's ticket
  input  wire logic [Tw-1:0] h_slot_i,
  output      logic          h_valid_o,
  output      parse_rsp_t    h_rsp_o,
  // the ticket behind it: its answer in, status OK, and its spi (a second
  // read port, on the SPIs only: esp_sa_ahead looks it up ahead)
  input  wire logic [Tw-1:0] n_slot_i,
  output      logic          n_valid_o,
  output      logic [31:0]   n_spi_o
);

  // (yosys 0.23 reads an array of a struct as one struct, and takes $bits
  // of a local type only)
  typedef struct packed { parse_rsp_t r; } rsp_ent_t;
  typedef struct packed { parse_mode_e m; } mode_ent_t;

  // per ticket: classify it, asked (answer on its way), its in_length; the
  // answer and whether it is in
  logic [Tickets-1:0]   want_q, pend_q, ok_q;
  pkt_len_t             len_q [Tickets];
  logic [$bits(mode_ent_t)-1:0] mode_q [Tickets];
  logic [$bits(rsp_ent_t)-1:0] rsp_q [Tickets];
  logic [32:0]          spi_q [Tickets];   // {status OK, spi} of the answer

  // word 0 of the ticket whose beats arrive
  logic [Dw-1:0] w0_q;

  // the request: at word 1, or at word 0 when the packet has one word
  logic          req, one_word;
  logic [2*Dw-1:0] words;
  assign one_word = 32'(len_q[p_slot_i]) <= PKT_BUS_BYTES;
  assign req   = p_we_i && want_q[p_slot_i] &&
                 ((p_waddr_i == Aw'(1)) || (p_waddr_i == '0 && one_word));
  assign words = (p_waddr_i == '0) ? {Dw'(0), p_wdata_i} : {p_wdata_i, w0_q};

  mode_ent_t p_mode;   // the mode of the ticket whose beats arrive
  assign p_mode = mode_ent_t'(mode_q[p_slot_i]);

  // esp_classify answers 2 cycles later: the ticket goes along
  logic [Tw-1:0] s1_q, s2_q;
  logic          c_valid, c_slow;
  parse_rsp_t    c_rsp;

  esp_classify u_classify (
    .clk_i,
    .rst_ni,
    .valid_i (req),
    .mode_i  (p_mode.m),
    .avail_i (len_q[p_slot_i]),
    .words_i (words),
    .valid_o (c_valid),
    .slow_o  (c_slow),
    .rsp_o   (c_rsp)
  );

  always_ff @(posedge clk_i) begin
    if (p_we_i && p_waddr_i == '0) w0_q <= p_wdata_i;
    s1_q <= p_slot_i;
    s2_q <= s1_q;
    if (t_take_i) begin
      len_q[t_slot_i]  <= t_len_i;
      mode_q[t_slot_i] <= t_mode_i;
    end
    if (c_valid) begin
      rsp_q[s2_q] <= c_rsp;
      spi_q[s2_q] <= {c_rsp.status == STATUS_OK, c_rsp.spi};
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      want_q <= '0;
      pend_q <= '0;
      ok_q   <= '0;
    end else begin
      for (int unsigned t = 0; t < Tickets; t++) begin
        if (t_take_i && t_slot_i == Tw'(t)) begin
          want_q[t] <= t_cls_i;
          pend_q[t] <= 1'b0;
          ok_q[t]   <= 1'b0;
        end else begin
          if (req && p_slot_i == Tw'(t)) begin
            want_q[t] <= 1'b0;
            pend_q[t] <= 1'b1;
          end
          if (c_valid && s2_q == Tw'(t)) begin
            pend_q[t] <= 1'b0;
            ok_q[t]   <= pend_q[t] && !c_slow;
          end
        end
      end
    end
  end

  assign h_valid_o = ok_q[h_slot_i];
  rsp_ent_t h_ent;
  assign h_ent   = rsp_ent_t'(rsp_q[h_slot_i]);
  assign h_rsp_o = h_ent.r;

  logic [32:0] n_ent;
  assign n_ent     = spi_q[n_slot_i];
  assign n_valid_o = ok_q[n_slot_i] && n_ent[32];
  assign n_spi_o   = n_ent[31:0];

endmodule : esp_cls_ahead

`default_nettype wire
