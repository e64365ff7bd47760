// esp_classify_fv: esp_classify (the fast path's header classify) against
// esp_ip_parse (the multi-cycle FSM it replaces on the fast path), checked by
// hw/formal/run_formal.py (yosys-smtbmc, bounded from reset).
//
// One symbolic request (mode, avail <= MAX_PKT_BYTES) goes to both, right
// after reset, over one symbolic buffer of 4 words (2048 bits, all of them
// free and constant over the run; the packet at byte 0, where esp_in_ring
// puts it): esp_ip_parse reads it through its 1-cycle-latency read port,
// esp_classify gets words 0 and 1. Nothing else is constrained: every mode
// (the unused code 3 too), every avail, every byte.
//
// Properties: when esp_classify answers !slow, esp_ip_parse is done by the
// bound (the Bound-1'th cycle, the last one checked) and its rsp equals
// esp_classify's: the status always; version, pkt_len, ihl, hdr_len, nh_off,
// proto with STATUS_OK and LOCATE_ESP's STATUS_NOT_ESP; udp with LOCATE_ESP's
// OK / NOT_ESP; esp_off, esp_len, spi, seq_lo with LOCATE_ESP's OK (the
// fields esp_ip_parse's header defines for each status). Bound 18 (= the
// DEPTH of the esp_formal() call): esp_ip_parse's longest fast-path job is
// 14 cycles (LOCATE_ESP IPv6, UDP behind one extension header, its fetch
// straddling a word: 9 + 4 + 1), started in cycle 1, done_o seen in cycle 15
// at the latest, checked up to cycle 17 (with Bound 16 the check fails).
`default_nettype none

module esp_classify_fv
  import esp_spec_pkg::*;
  import esp_unit_pkg::*;
(
  input wire logic                     clk_i,
  input wire logic                     rst_ni,
  input wire logic [1:0]               mode_i,
  input wire pkt_len_t                 avail_i,
  input wire logic [4*8*PKT_BUS_BYTES-1:0] buf_i
);
  localparam int unsigned Dw    = 8 * PKT_BUS_BYTES;
  localparam int unsigned Bound = 18;

  // ---------------------------------------------------------- the request
  logic [4:0] cyc_q;        // cycles since reset (saturating)
  logic       start;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) cyc_q <= '0;
    else if (cyc_q != '1) cyc_q <= cyc_q + 5'd1;
  end
  assign start = rst_ni && cyc_q == '0;

  parse_req_t req;
  assign req.mode  = mode_i;
  assign req.base  = '0;
  assign req.avail = avail_i;

  // ---------------------------------------------------------- esp_ip_parse
  logic          rd_re, busy, done;
  logic [1:0]    rd_addr;
  logic [Dw-1:0] rd_data_q;
  parse_rsp_t    p_rsp;
  always_ff @(posedge clk_i) begin
    if (rd_re) rd_data_q <= buf_i[Dw*rd_addr +: Dw];
  end

  esp_ip_parse #(.Depth(4)) parse (
    .clk_i,
    .rst_ni,
    .start_i   (start),
    .req_i     (req),
    .rd_re_o   (rd_re),
    .rd_addr_o (rd_addr),
    .rd_data_i (rd_data_q),
    .busy_o    (busy),
    .done_o    (done),
    .rsp_o     (p_rsp)
  );

  // ---------------------------------------------------------- esp_classify
  logic       c_valid, c_slow;
  parse_rsp_t c_rsp;
  esp_classify cls (
    .clk_i,
    .rst_ni,
    .valid_i (start),
    .mode_i  (req.mode),
    .avail_i,
    .words_i (buf_i[2*Dw-1:0]),
    .valid_o (c_valid),
    .slow_o  (c_slow),
    .rsp_o   (c_rsp)
  );

  // its answer, kept
  logic       got_q, slow_q;
  parse_rsp_t c_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) got_q <= 1'b0;
    else if (c_valid) got_q <= 1'b1;
  end
  always_ff @(posedge clk_i) begin
    if (c_valid) begin
      slow_q <= c_slow;
      c_q    <= c_rsp;
    end
  end

  // esp_ip_parse's done seen (its rsp is held from done_o on: no second start)
  logic pdone_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) pdone_q <= 1'b0;
    else if (done) pdone_q <= 1'b1;
  end

  logic unused_fv;
  assign unused_fv = busy;

`ifdef FORMAL
  logic past_q = 1'b0;
  always_ff @(posedge clk_i) past_q <= 1'b1;

  initial assume (!rst_ni);
  logic [1:0]   mode_q;
  pkt_len_t     avail_q;
  logic [4*Dw-1:0] buf_q;
  always_ff @(posedge clk_i) begin
    mode_q  <= mode_i;
    avail_q <= avail_i;
    buf_q   <= buf_i;
  end
  always @(*) begin
    // one reset, then a constant request over a constant buffer
    if (past_q) begin
      assume (rst_ni);
      assume (mode_i == mode_q && avail_i == avail_q && buf_i == buf_q);
    end
    assume (avail_i <= PKT_LEN_BITS'(MAX_PKT_BYTES));
  end

  logic lo, ok, ne;
  assign lo = mode_i == PARSE_LOCATE_ESP;
  assign ok = p_rsp.status == STATUS_OK;
  assign ne = p_rsp.status == STATUS_NOT_ESP;

  always @(posedge clk_i) begin
    if (rst_ni && got_q && !slow_q) begin
      // decided here: esp_ip_parse is done by the bound ...
      if (cyc_q == 5'(Bound - 2)) assert (pdone_q);
      // ... with the same answer
      if (pdone_q) begin
        assert (c_q.status == p_rsp.status);
        if (ok || (lo && ne)) begin
          assert (c_q.version == p_rsp.version);
          assert (c_q.pkt_len == p_rsp.pkt_len);
          assert (c_q.ihl == p_rsp.ihl);
          assert (c_q.hdr_len == p_rsp.hdr_len);
          assert (c_q.nh_off == p_rsp.nh_off);
          assert (c_q.proto == p_rsp.proto);
        end
        if (lo && (ok || ne)) assert (c_q.udp == p_rsp.udp);
        if (lo && ok) begin
          assert (c_q.esp_off == p_rsp.esp_off);
          assert (c_q.esp_len == p_rsp.esp_len);
          assert (c_q.spi == p_rsp.spi);
          assert (c_q.seq_lo == p_rsp.seq_lo);
        end
      end
    end
  end

`endif

endmodule

`default_nettype wire
