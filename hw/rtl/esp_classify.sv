// esp_classify: the one-per-cycle header classify of the fast path
// (hw/rtl/DATAPATH.md "esp_classify"): esp_ip_parse's answer (parse_ip,
// walk_ipv6_ext, locate_esp: CONTRACT.md ENCRYPT 2, DECRYPT 1-3) from the
// packet's first two buffer words, for every packet those bytes decide;
// slow_o for the others (then esp_ip_parse runs). Fully pipelined: a request
// every cycle, its answer 2 cycles later (valid_o), no state between
// requests.
//
// Ports
//   valid_i            a request this cycle; sampled with it:
//   mode_i             PARSE_IP, PARSE_OUT or PARSE_LOCATE_ESP (esp_ip_parse's
//                        req.mode; the unused code 3: slow)
//   avail_i            bytes of the packet present (esp_ip_parse's req.avail,
//                        <= MAX_PKT_BYTES)
//   words_i[1023:0]    the packet's words 0 and 1 as the buffer holds them
//                        (packet byte n = words_i[8*n +: 8], the packet at a
//                        word boundary as esp_in_ring puts it); bytes at or
//                        beyond avail_i may hold anything (only fields that
//                        are not meaningful then depend on them)
//   valid_o            the answer of the request of 2 cycles before:
//   slow_o             not decided here: esp_ip_parse must parse the packet
//   rsp_o              (when !slow_o) exactly esp_ip_parse's rsp at done for the
//                        same request and buffer: status always; version,
//                        pkt_len, ihl, hdr_len, nh_off, proto with STATUS_OK
//                        and (LOCATE_ESP) STATUS_NOT_ESP; udp with LOCATE_ESP's
//                        STATUS_OK / NOT_ESP; esp_off, esp_len, spi, seq_lo with
//                        LOCATE_ESP's STATUS_OK (the fields esp_ip_parse defines
//                        for that status; the others are not meaningful)
//
// Decided here (slow_o = 0):
//   PARSE_IP           every packet (no extension header walk)
//   PARSE_OUT          every IPv4 packet; IPv6 without extension header, or
//                        whose first Hop-by-Hop / Routing / Fragment header
//                        is cut (MALFORMED) or followed by no other one
//   PARSE_LOCATE_ESP   every IPv4 packet (any IHL: ESP / UDP-ESP / other,
//                        fragments, NAT keepalive, non-ESP marker, bad UDP
//                        lengths); IPv6 without extension header; IPv6 whose
//                        first extension header is a Fragment (MALFORMED),
//                        or a Hop-by-Hop / Routing / Destination Options
//                        header that is cut (MALFORMED) or followed by a
//                        Fragment header (MALFORMED), a protocol other than
//                        ESP / UDP (NOT_ESP), UDP without room for its header
//                        (MALFORMED), or ESP / UDP behind a header of at most
//                        32 bytes (length byte <= EFar = 3: ESP / UDP at byte
//                        48, 56, 64 or 72)
//   and every request with avail_i 0, a version other than 4 / 6, or IP
//   header lengths that do not fit avail_i (MALFORMED).
// Slow: PARSE_OUT / LOCATE_ESP IPv6 with a second extension header to walk,
// LOCATE_ESP IPv6 with ESP / UDP behind an extension header longer than 32
// bytes (rare; each further length is one more input of a 128-bit mux: 4
// cost about 500 LUT in yosys's mapping), mode 3.
//
// Why two words: the bytes locate_esp reads behind an IPv4 header lie in the
// first 76 (IHL 15 = 60 bytes, the UDP header, the first 8 ESP bytes), one
// word holds 64; with two every IPv4 packet is decided, whatever its options
// (and IPv6 behind a short extension header too: bytes up to 87).
//
// Timing: stage 1 decodes the IP header (lengths, protocol, the first
// extension header's type and length: one step of the walk, no loop),
// computes the bytes behind the headers and selects the 16 bytes there
// (a 16-way 32-bit-word mux by IHL, a 4-way 64-bit-word mux by the extension
// header's length; no byte walk); stage 2 decides the UDP / ESP part
// (length compares, ports, markers; no subtraction in front of a compare)
// and the answer.
`default_nettype none

module esp_classify
  import esp_spec_pkg::*;
  import esp_unit_pkg::*;
#(
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES
) (
  input  wire logic          clk_i,
  input  wire logic          rst_ni,

  input  wire logic          valid_i,
  input  wire parse_mode_e   mode_i,
  input  wire pkt_len_t      avail_i,
  input  wire logic [2*Dw-1:0] words_i,

  output      logic          valid_o,
  output      logic          slow_o,
  output      parse_rsp_t    rsp_o
);

  // IP numbers that are not in the spec (as esp_ip_parse has them).
  localparam int unsigned IPV4_NH_OFF   = 9;
  localparam int unsigned IPV6_NH_OFF   = 6;
  localparam int unsigned IPV6_FRAG_HDR = 8;
  localparam logic [15:0] IPV4_FRAG_MASK = 16'h3FFF;  // MF | fragment offset
  localparam logic [7:0]  NAT_KEEPALIVE  = 8'hFF;
  localparam int unsigned L4_BYTES = 16;       // UDP header + SPI + sequence number
  localparam int unsigned IPV6_EXT_UNIT = 8;   // extension header length unit
  // The longest extension header with ESP / UDP decided behind it: length
  // byte 3 = 32 bytes (e_win below has one entry per length 0..EFar).
  localparam int unsigned EFar = 3;

  localparam logic [7:0]  PROTO_ESP = 8'(ESP_PROTO);
  localparam logic [7:0]  PROTO_UDP = 8'(UDP_PROTO);
  localparam logic [15:0] NATT_PORT = 16'(NAT_T_PORT);
  localparam pkt_len_t    ESP_HDR   = PKT_LEN_BITS'(ESP_HDR_BYTES);
  localparam pkt_len_t    UDP_HDR   = PKT_LEN_BITS'(UDP_HDR_BYTES);
  localparam pkt_len_t    V4_MIN    = PKT_LEN_BITS'(IPV4_MIN_HDR);
  localparam pkt_len_t    V6_HDR    = PKT_LEN_BITS'(IPV6_HDR_BYTES);

  function automatic logic [7:0] hb(input logic [2*Dw-1:0] w, input int unsigned k);
    return w[8*k +: 8];
  endfunction
  function automatic logic [15:0] hbe16(input logic [2*Dw-1:0] w, input int unsigned k);
    return {w[8*k +: 8], w[8*(k+1) +: 8]};
  endfunction
  function automatic logic [7:0] lb(input logic [8*L4_BYTES-1:0] w, input int unsigned k);
    return w[8*k +: 8];
  endfunction
  function automatic logic [15:0] lbe16(input logic [8*L4_BYTES-1:0] w, input int unsigned k);
    return {w[8*k +: 8], w[8*(k+1) +: 8]};
  endfunction
  function automatic logic [31:0] lbe32(input logic [8*L4_BYTES-1:0] w, input int unsigned k);
    return {w[8*k +: 8], w[8*(k+1) +: 8], w[8*(k+2) +: 8], w[8*(k+3) +: 8]};
  endfunction
  // walk_ipv6_ext's "skip": Hop-by-Hop, Routing, and inbound Destination
  // Options / outbound Fragment.
  function automatic logic ext_skip(input logic [7:0] nh, input logic inbound);
    return nh == IP_PROTO_HOPOPT || nh == IP_PROTO_ROUTING ||
           (inbound ? nh == IP_PROTO_DSTOPTS : nh == IP_PROTO_FRAGMENT);
  endfunction

  // ------------------------------------------------------------ stage 1
  logic [3:0]  ver;
  logic        is4, is6, inbound;
  pkt_len_t    ihl4;
  logic [15:0] tot4, plen6;
  logic [16:0] tot6;
  logic        ip_bad, frag4;
  logic [7:0]  p6, e_nh;
  logic        ext, e_far, e_cut;
  pkt_len_t    e_len;
  logic [1:0]  e_sel;
  logic [3:0]  ip_sel;
  logic [8*L4_BYTES-1:0] ip_win, e_win;

  assign ver     = words_i[7:4];
  assign is4     = ver == IP_VERSION4;
  assign is6     = ver == IP_VERSION6;
  assign inbound = mode_i == PARSE_LOCATE_ESP;
  assign ihl4    = {8'd0, words_i[3:0], 2'b00};
  assign tot4    = hbe16(words_i, 2);
  assign plen6   = hbe16(words_i, 4);
  assign tot6    = 17'(IPV6_HDR_BYTES) + {1'b0, plen6};
  assign frag4   = (hbe16(words_i, 6) & IPV4_FRAG_MASK) != '0;
  assign p6      = hb(words_i, IPV6_NH_OFF);
  // parse_ip's MALFORMED
  assign ip_bad  = avail_i == '0 ||
                   (is4 ? (avail_i < V4_MIN || ihl4 < V4_MIN || {2'b0, ihl4} > tot4 ||
                           tot4 > {2'b0, avail_i})
                        : (!is6 || avail_i < V6_HDR || tot6 > 17'(avail_i)));
  // IPv6, PARSE_OUT / LOCATE_ESP: an extension header at 40 to walk; its
  // next header and length, whether it is cut (40 + e_len > pkt_len) and
  // whether it is longer than EFar covers (e_far: ESP / UDP behind it slow).
  assign ext     = is6 && mode_i != PARSE_IP && ext_skip(p6, inbound);
  assign e_nh    = hb(words_i, IPV6_HDR_BYTES);
  assign e_len   = (!inbound && p6 == IP_PROTO_FRAGMENT) ? PKT_LEN_BITS'(IPV6_FRAG_HDR)
                 : {2'd0, {1'b0, hb(words_i, IPV6_HDR_BYTES + 1)} + 9'd1, 3'b000};
  assign e_cut   = {2'b0, e_len} > plen6;
  assign e_far   = hb(words_i, IPV6_HDR_BYTES + 1) > 8'(EFar);
  // The 16 bytes behind the headers: at IHL*4 (IPv4) or 40 (IPv6), a
  // 32-bit-word mux; behind the extension header at 48 + 8k (k = its length
  // byte <= EFar), a 64-bit-word mux.
  assign ip_sel  = is6 ? 4'(IPV6_HDR_BYTES / 4) : words_i[3:0];
  assign ip_win  = words_i[32*ip_sel +: 8*L4_BYTES];
  assign e_sel   = words_i[8*(IPV6_HDR_BYTES + 1) +: 2];
  always_comb begin
    unique case (e_sel)
      2'd0:    e_win = words_i[8*(IPV6_HDR_BYTES + 1 * IPV6_EXT_UNIT) +: 8*L4_BYTES];
      2'd1:    e_win = words_i[8*(IPV6_HDR_BYTES + 2 * IPV6_EXT_UNIT) +: 8*L4_BYTES];
      2'd2:    e_win = words_i[8*(IPV6_HDR_BYTES + 3 * IPV6_EXT_UNIT) +: 8*L4_BYTES];
      default: e_win = words_i[8*(IPV6_HDR_BYTES + 4 * IPV6_EXT_UNIT) +: 8*L4_BYTES];
    endcase
  end

  logic        v1_q;
  parse_mode_e mode1_q;
  logic        is4_1_q, ip_bad1_q, frag1_q, ext1_q, e_cut1_q, e_far1_q;
  logic [3:0]  ver1_q;
  pkt_len_t    pkt_len1_q, ihl1_q, hdr_len1_q, nh_off1_q, rest1_q;
  logic [7:0]  p6_1_q, proto1_q;
  logic [8*L4_BYTES-1:0] win1_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) v1_q <= 1'b0;
    else         v1_q <= valid_i;
  end
  // the IpHeader after the first step of the walk (if any), the bytes
  // behind it (pkt_len - hdr_len while !ip_bad: IPv6's payload length
  // minus the extension header) and the 16 bytes there
  always_ff @(posedge clk_i) begin
    mode1_q    <= mode_i;
    is4_1_q    <= is4;
    ip_bad1_q  <= ip_bad;
    frag1_q    <= frag4;
    ext1_q     <= ext;
    e_cut1_q   <= e_cut;
    e_far1_q   <= e_far;
    ver1_q     <= ver;
    p6_1_q     <= p6;
    pkt_len1_q <= is4 ? tot4[PKT_LEN_BITS-1:0] : tot6[PKT_LEN_BITS-1:0];
    ihl1_q     <= is4 ? ihl4 : V6_HDR;
    if (is4) begin
      hdr_len1_q <= ihl4;
      nh_off1_q  <= PKT_LEN_BITS'(IPV4_NH_OFF);
      proto1_q   <= hb(words_i, IPV4_NH_OFF);
      rest1_q    <= tot4[PKT_LEN_BITS-1:0] - ihl4;
      win1_q     <= ip_win;
    end else if (ext) begin
      hdr_len1_q <= V6_HDR + e_len;
      nh_off1_q  <= V6_HDR;
      proto1_q   <= e_nh;
      rest1_q    <= plen6[PKT_LEN_BITS-1:0] - e_len;
      win1_q     <= e_win;
    end else begin
      hdr_len1_q <= V6_HDR;
      nh_off1_q  <= PKT_LEN_BITS'(IPV6_NH_OFF);
      proto1_q   <= p6;
      rest1_q    <= plen6[PKT_LEN_BITS-1:0];
      win1_q     <= ip_win;
    end
  end

  // ------------------------------------------------------------ stage 2
  logic        inb1, l4_far;
  logic [15:0] udp_len;
  pkt_len_t    pl_len;
  logic        slow_d, udp_d;
  logic [15:0] status_d;
  pkt_len_t    esp_off_d, esp_len_d;
  logic [31:0] spi_d, seq_d;

  assign inb1    = mode1_q == PARSE_LOCATE_ESP;
  assign udp_len = lbe16(win1_q, 4);
  assign pl_len  = udp_len[PKT_LEN_BITS-1:0] - UDP_HDR;
  // the ESP / UDP bytes locate_esp reads lie beyond the two words
  assign l4_far  = ext1_q && e_far1_q;

  always_comb begin
    slow_d    = 1'b0;
    status_d  = STATUS_MALFORMED;
    udp_d     = 1'b0;
    // locate_esp's ESP / UDP answer at hdr_len1_q
    if (proto1_q == PROTO_ESP) begin
      esp_off_d = hdr_len1_q;
      esp_len_d = rest1_q;
      spi_d     = lbe32(win1_q, 0);
      seq_d     = lbe32(win1_q, 4);
    end else begin
      esp_off_d = hdr_len1_q + UDP_HDR;
      esp_len_d = pl_len;
      spi_d     = lbe32(win1_q, 8);
      seq_d     = lbe32(win1_q, 12);
    end

    if (mode1_q != PARSE_IP && mode1_q != PARSE_OUT && mode1_q != PARSE_LOCATE_ESP) begin
      slow_d = 1'b1;
    end else if (ip_bad1_q) begin
      status_d = STATUS_MALFORMED;
    end else if (mode1_q == PARSE_IP || (mode1_q == PARSE_OUT && is4_1_q)) begin
      status_d = STATUS_OK;
    end else if (is4_1_q && frag1_q) begin     // LOCATE_ESP, IPv4 fragment
      status_d = STATUS_MALFORMED;
    end else if (!is4_1_q && inb1 && p6_1_q == IP_PROTO_FRAGMENT) begin
      status_d = STATUS_MALFORMED;
    end else if (ext1_q && e_cut1_q) begin     // the extension header is cut
      status_d = STATUS_MALFORMED;
    end else if (ext1_q && inb1 && proto1_q == IP_PROTO_FRAGMENT) begin
      status_d = STATUS_MALFORMED;
    end else if (ext1_q && ext_skip(proto1_q, inb1)) begin
      slow_d = 1'b1;                           // a second header to walk
    end else if (!inb1) begin                  // PARSE_OUT IPv6
      status_d = STATUS_OK;
    end else if (proto1_q == PROTO_ESP) begin
      if (l4_far) slow_d = 1'b1;
      else status_d = rest1_q < ESP_HDR ? STATUS_MALFORMED : STATUS_OK;
    end else if (proto1_q == PROTO_UDP) begin
      udp_d = 1'b1;
      // (pl_len = udp_len - 8 compared as udp_len: no subtraction in front)
      if (rest1_q < UDP_HDR) begin
        status_d = STATUS_MALFORMED;
      end else if (l4_far) begin
        slow_d = 1'b1;
      end else if (udp_len < 16'(UDP_HDR_BYTES) || udp_len > {2'b0, rest1_q}) begin
        status_d = STATUS_MALFORMED;
      end else if (lbe16(win1_q, 0) != NATT_PORT && lbe16(win1_q, 2) != NATT_PORT) begin
        status_d = STATUS_NOT_ESP;
      end else if (udp_len == 16'(UDP_HDR_BYTES + 1) && lb(win1_q, 8) == NAT_KEEPALIVE) begin
        status_d = STATUS_NOT_ESP;
      end else if (udp_len >= 16'(UDP_HDR_BYTES + 4) && win1_q[8*8 +: 32] == '0) begin
        status_d = STATUS_NOT_ESP;
      end else if (udp_len < 16'(UDP_HDR_BYTES + ESP_HDR_BYTES)) begin
        status_d = STATUS_MALFORMED;
      end else begin
        status_d = STATUS_OK;
      end
    end else begin
      status_d = STATUS_NOT_ESP;
    end
  end

  logic v2_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) v2_q <= 1'b0;
    else         v2_q <= v1_q;
  end
  always_ff @(posedge clk_i) begin
    slow_o        <= slow_d;
    rsp_o.status  <= status_d;
    rsp_o.version <= ver1_q;
    rsp_o.pkt_len <= pkt_len1_q;
    rsp_o.ihl     <= ihl1_q;
    rsp_o.hdr_len <= hdr_len1_q;
    rsp_o.nh_off  <= nh_off1_q;
    rsp_o.proto   <= proto1_q;
    rsp_o.udp     <= udp_d;
    rsp_o.esp_off <= esp_off_d;
    rsp_o.esp_len <= esp_len_d;
    rsp_o.spi     <= spi_d;
    rsp_o.seq_lo  <= seq_d;
  end
  assign valid_o = v2_q;

endmodule

`default_nettype wire
