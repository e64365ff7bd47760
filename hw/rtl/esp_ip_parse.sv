// esp_ip_parse: IPv4 / IPv6 header parsing over a packet-buffer read port
// (hw/rtl/DATAPATH.md "esp_ip_parse"), bit-exact with the HLS functions
// parse_ip, walk_ipv6_ext (ip_parse.hpp) and locate_esp (esp_decap.hpp).
//
// Ports (req_i: esp_unit_pkg::parse_req_t, sampled with start_i; rsp_o: parse_rsp_t)
//   start_i            one-cycle job start (ignored while busy_o); sampled with it:
//   req_i.mode[1:0]        PARSE_IP (0): parse_ip
//                      PARSE_OUT (1): parse_ip, then walk_ipv6_ext outbound if IPv6
//                      PARSE_LOCATE_ESP (2): locate_esp (CONTRACT.md DECRYPT 1-3)
//   req_i.base       buffer byte offset of the IP packet
//   req_i.avail      bytes present from req_i.base (<= MAX_PKT_BYTES; req_i.base + req_i.avail
//                      inside the buffer)
//   rd_re_o, rd_addr_o[Aw-1:0], rd_data_i[511:0]   esp_pkt_ram read port (1-cycle latency)
//   busy_o             a job is running
//   done_o             one-cycle pulse at the end of a job; the results below
//                      are held from then until the next start:
//   rsp_o.status[15:0]     STATUS_OK, STATUS_MALFORMED or (LOCATE_ESP) STATUS_NOT_ESP
//   rsp_o.version[3:0], rsp_o.pkt_len, rsp_o.ihl, rsp_o.hdr_len, rsp_o.nh_off , rsp_o.proto[7:0]
//                      the HLS IpHeader (offsets relative to req_i.base); meaningful
//                      with STATUS_OK and, for LOCATE_ESP, STATUS_NOT_ESP
//   rsp_o.udp              LOCATE_ESP: ESP is inside UDP (RFC 3948)
//   rsp_o.esp_off, rsp_o.esp_len , rsp_o.spi[31:0], rsp_o.seq_lo[31:0]
//                      LOCATE_ESP with STATUS_OK: EspLocation and the first
//                      eight ESP bytes (SPI, sequence number low half)
//
// Every field read is one "fetch" of 16 bytes at an offset: one buffer word
// read, or two when the bytes straddle a word boundary, then the 16 bytes
// are extracted into a register (3 cycles, 4 when straddling). Cycles from
// the start_i cycle to the done_o cycle, with f the fetches that straddle:
// PARSE_IP 4; PARSE_OUT IPv6 with k extension headers 5 + 4k; LOCATE_ESP
// IPv4 8, IPv6 9 + 4k (protocol neither ESP nor UDP: 3 fewer); all + f;
// req_i.avail 0: 1.
`default_nettype none

module esp_ip_parse
  import esp_spec_pkg::*;
  import esp_unit_pkg::*;
#(
  parameter int unsigned Depth = 256,
  localparam int unsigned Aw = $clog2(Depth),
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES
) (
  input  wire logic          clk_i,
  input  wire logic          rst_ni,

  input  wire logic          start_i,
  input  wire parse_req_t req_i,

  output      logic          rd_re_o,
  output      logic [Aw-1:0] rd_addr_o,
  input  wire logic [Dw-1:0] rd_data_i,

  output      logic          busy_o,
  output      logic          done_o,
  output      parse_rsp_t rsp_o
);

  // Modes.

  // IP numbers that are not in the spec.
  localparam int unsigned IPV4_NH_OFF      = 9;
  localparam int unsigned IPV6_NH_OFF      = 6;
  localparam int unsigned IPV6_EXT_UNIT    = 8;   // extension header length unit / minimum
  localparam int unsigned IPV6_FRAG_HDR    = 8;
  localparam logic [15:0] IPV4_FRAG_MASK   = 16'h3FFF;  // MF | fragment offset
  localparam logic [7:0]  NAT_KEEPALIVE    = 8'hFF;

  // Spec constants at the widths used here.
  localparam logic [7:0]  PROTO_ESP = 8'(ESP_PROTO);
  localparam logic [7:0]  PROTO_UDP = 8'(UDP_PROTO);
  localparam logic [15:0] NATT_PORT = 16'(NAT_T_PORT);
  localparam pkt_len_t ESP_HDR   = PKT_LEN_BITS'(ESP_HDR_BYTES);

  localparam int unsigned Lw = $clog2(PKT_BUS_BYTES);
  localparam int unsigned FetchBytes = 16;

  typedef enum logic [2:0] {
    S_IDLE, S_FETCH0, S_FETCH1, S_FETCH2, S_PROC, S_WALK, S_L4
  } state_e;

  typedef enum logic [1:0] {PH_IP, PH_EXT, PH_L4} phase_e;

  state_e  state_q, state_d;
  phase_e  phase_q, phase_d;
  logic [1:0]  mode_q, mode_d;
  pkt_len_t    base_q, base_d, avail_q, avail_d;
  pkt_len_t    foff_q, foff_d;                      // fetch offset (relative to base)
  logic [Dw-1:0] w0_q;                              // first word of a fetch
  logic [8*FetchBytes-1:0] fld_q, fld_d;            // byte k = packet byte foff + k
  logic        done_q, done_d;
  logic [15:0] status_q, status_d;
  logic [3:0]  version_q, version_d;
  pkt_len_t    pkt_len_q, pkt_len_d, ihl_q, ihl_d, hdr_len_q, hdr_len_d, nh_off_q, nh_off_d;
  logic [7:0]  proto_q, proto_d;
  logic        udp_q, udp_d;
  pkt_len_t    esp_off_q, esp_off_d, esp_len_q, esp_len_d;
  logic [31:0] spi_q, spi_d, seq_q, seq_d;

  // Buffer address of the fetch.
  pkt_sum_t      fabs;
  logic [Aw-1:0] fword;
  logic [Lw-1:0] flane;
  assign fabs  = {1'b0, base_q} + {1'b0, foff_q};
  assign fword = Aw'(fabs >> Lw);
  assign flane = fabs[Lw-1:0];

  // The 16 bytes from the word(s) read: in S_FETCH1 from the first word alone
  // (when they lie inside it), in S_FETCH2 from both.
  logic          fone;
  logic [Dw-1:0] fwin_lo;
  logic [8*FetchBytes-1:0] fwin;
  assign fone    = 32'(flane) + FetchBytes <= PKT_BUS_BYTES;
  assign fwin_lo = state_q == S_FETCH1 ? rd_data_i : w0_q;
  assign fwin    = (8*FetchBytes)'({rd_data_i, fwin_lo} >> {flane, 3'b000});

  function automatic logic [7:0] fb(input logic [8*FetchBytes-1:0] f, input int unsigned k);
    return f[8*k +: 8];
  endfunction
  function automatic logic [15:0] fbe16(input logic [8*FetchBytes-1:0] f, input int unsigned k);
    return {f[8*k +: 8], f[8*(k+1) +: 8]};
  endfunction

  // Decoded fetch fields.
  logic [3:0]  f_ver;
  logic [15:0] f_be16_2, f_be16_4, f_be16_6;
  pkt_len_t    v4_ihl;
  logic [16:0] v6_total;
  pkt_len_t    ext_len;
  pkt_sum_t    ext_end;
  pkt_len_t    rest;
  logic        nh_skip, nh_bad;
  logic [15:0] pl_len;
  pkt_len_t    hdr_plus_udp;
  assign f_ver    = fld_q[7:4];
  assign f_be16_2 = fbe16(fld_q, 2);
  assign f_be16_4 = fbe16(fld_q, 4);
  assign f_be16_6 = fbe16(fld_q, 6);
  assign v4_ihl   = {8'd0, fld_q[3:0], 2'b00};
  assign v6_total = 17'(IPV6_HDR_BYTES) + {1'b0, f_be16_4};
  assign ext_len  = (proto_q == IP_PROTO_FRAGMENT) ? PKT_LEN_BITS'(IPV6_FRAG_HDR)
                                                   : {2'd0, {1'b0, fb(fld_q, 1)} + 9'd1, 3'b000};
  assign ext_end  = {1'b0, foff_q} + {1'b0, ext_len};
  assign rest     = pkt_len_q - hdr_len_q;
  assign nh_bad   = mode_q == PARSE_LOCATE_ESP && proto_q == IP_PROTO_FRAGMENT;
  assign nh_skip  = proto_q == IP_PROTO_HOPOPT || proto_q == IP_PROTO_ROUTING ||
                    (mode_q == PARSE_LOCATE_ESP ? proto_q == IP_PROTO_DSTOPTS
                                               : proto_q == IP_PROTO_FRAGMENT);
  assign pl_len       = f_be16_4 - 16'(UDP_HDR_BYTES);
  assign hdr_plus_udp = hdr_len_q + PKT_LEN_BITS'(UDP_HDR_BYTES);

  always_comb begin
    state_d   = state_q;
    phase_d   = phase_q;
    mode_d    = mode_q;
    base_d    = base_q;
    avail_d   = avail_q;
    foff_d    = foff_q;
    fld_d     = fld_q;
    done_d    = 1'b0;
    status_d  = status_q;
    version_d = version_q;
    pkt_len_d = pkt_len_q;
    ihl_d     = ihl_q;
    hdr_len_d = hdr_len_q;
    nh_off_d  = nh_off_q;
    proto_d   = proto_q;
    udp_d     = udp_q;
    esp_off_d = esp_off_q;
    esp_len_d = esp_len_q;
    spi_d     = spi_q;
    seq_d     = seq_q;
    rd_re_o   = 1'b0;
    rd_addr_o = fword;

    unique case (state_q)
      S_IDLE: begin
        if (start_i) begin
          mode_d    = req_i.mode;
          base_d    = req_i.base;
          avail_d   = req_i.avail;
          foff_d    = '0;
          phase_d   = PH_IP;
          udp_d     = 1'b0;
          status_d  = STATUS_MALFORMED;
          if (req_i.avail == '0) begin
            done_d = 1'b1;
          end else begin
            state_d = S_FETCH0;
          end
        end
      end

      S_FETCH0: begin
        rd_re_o = 1'b1;
        state_d = S_FETCH1;
      end

      S_FETCH1: begin
        if (fone) begin
          fld_d   = fwin;
          state_d = S_PROC;
        end else begin
          rd_re_o   = 1'b1;
          rd_addr_o = fword + Aw'(1);
          state_d   = S_FETCH2;
        end
      end

      S_FETCH2: begin
        fld_d   = fwin;
        state_d = S_PROC;
      end

      S_PROC: begin
        state_d = S_IDLE;  // unless set otherwise below
        unique case (phase_q)
          PH_IP: begin
            version_d = f_ver;
            if (f_ver == IP_VERSION4) begin
              pkt_len_d = f_be16_2[PKT_LEN_BITS-1:0];
              ihl_d     = v4_ihl;
              hdr_len_d = v4_ihl;
              nh_off_d  = PKT_LEN_BITS'(IPV4_NH_OFF);
              proto_d   = fb(fld_q, IPV4_NH_OFF);
              if (avail_q < PKT_LEN_BITS'(IPV4_MIN_HDR) || v4_ihl < PKT_LEN_BITS'(IPV4_MIN_HDR) ||
                  {2'b0, v4_ihl} > f_be16_2 || f_be16_2 > {2'b0, avail_q}) begin
                done_d = 1'b1;
              end else if (mode_q != PARSE_LOCATE_ESP) begin
                status_d = STATUS_OK;
                done_d   = 1'b1;
              end else if ((f_be16_6 & IPV4_FRAG_MASK) != '0) begin
                done_d = 1'b1;
              end else begin
                state_d = S_L4;
              end
            end else if (f_ver == IP_VERSION6) begin
              pkt_len_d = v6_total[PKT_LEN_BITS-1:0];
              ihl_d     = PKT_LEN_BITS'(IPV6_HDR_BYTES);
              hdr_len_d = PKT_LEN_BITS'(IPV6_HDR_BYTES);
              nh_off_d  = PKT_LEN_BITS'(IPV6_NH_OFF);
              proto_d   = fb(fld_q, IPV6_NH_OFF);
              if (avail_q < PKT_LEN_BITS'(IPV6_HDR_BYTES) || v6_total > 17'(avail_q)) begin
                done_d = 1'b1;
              end else if (mode_q == PARSE_IP) begin
                status_d = STATUS_OK;
                done_d   = 1'b1;
              end else begin
                state_d = S_WALK;
              end
            end else begin
              done_d = 1'b1;
            end
          end

          PH_EXT: begin
            // foff_q = hdr_len_q = the header's offset; proto_q its type.
            if (ext_end > {1'b0, pkt_len_q}) begin
              done_d = 1'b1;
            end else begin
              nh_off_d  = foff_q;
              proto_d   = fb(fld_q, 0);
              hdr_len_d = ext_end[PKT_LEN_BITS-1:0];
              state_d   = S_WALK;
            end
          end

          default: begin  // PH_L4: UDP or ESP header at hdr_len
            if (proto_q == PROTO_ESP) begin
              esp_off_d = hdr_len_q;
              esp_len_d = rest;
              spi_d     = {fb(fld_q, 0), fb(fld_q, 1), fb(fld_q, 2), fb(fld_q, 3)};
              seq_d     = {fb(fld_q, 4), fb(fld_q, 5), fb(fld_q, 6), fb(fld_q, 7)};
              status_d  = rest < ESP_HDR ? STATUS_MALFORMED : STATUS_OK;
            end else begin  // UDP, rest >= UDP_HDR_BYTES
              udp_d     = 1'b1;
              esp_off_d = hdr_plus_udp;
              esp_len_d = pl_len[PKT_LEN_BITS-1:0];
              spi_d     = {fb(fld_q, 8), fb(fld_q, 9), fb(fld_q, 10), fb(fld_q, 11)};
              seq_d     = {fb(fld_q, 12), fb(fld_q, 13), fb(fld_q, 14), fb(fld_q, 15)};
              if (f_be16_4 < 16'(UDP_HDR_BYTES) || f_be16_4 > {2'b0, rest}) begin
                status_d = STATUS_MALFORMED;
              end else if (fbe16(fld_q, 0) != NATT_PORT && fbe16(fld_q, 2) != NATT_PORT) begin
                status_d = STATUS_NOT_ESP;
              end else if (pl_len == 16'd1 && fb(fld_q, 8) == NAT_KEEPALIVE) begin
                status_d = STATUS_NOT_ESP;
              end else if (pl_len >= 16'd4 && fld_q[8*8 +: 32] == '0) begin
                status_d = STATUS_NOT_ESP;
              end else if (pl_len < 16'(ESP_HDR_BYTES)) begin
                status_d = STATUS_MALFORMED;
              end else begin
                status_d = STATUS_OK;
              end
            end
            done_d = 1'b1;
          end
        endcase
      end

      S_WALK: begin
        // One step of walk_ipv6_ext on proto_q / hdr_len_q.
        if (nh_bad) begin
          done_d  = 1'b1;
          state_d = S_IDLE;
        end else if (nh_skip) begin
          if ({1'b0, hdr_len_q} + PktSumBits'(IPV6_EXT_UNIT) > {1'b0, pkt_len_q}) begin
            done_d  = 1'b1;
            state_d = S_IDLE;
          end else begin
            foff_d  = hdr_len_q;
            phase_d = PH_EXT;
            state_d = S_FETCH0;
          end
        end else if (mode_q == PARSE_OUT) begin
          status_d = STATUS_OK;
          done_d   = 1'b1;
          state_d  = S_IDLE;
        end else begin
          state_d = S_L4;
        end
      end

      S_L4: begin
        if (proto_q == PROTO_ESP || (proto_q == PROTO_UDP && rest >= PKT_LEN_BITS'(UDP_HDR_BYTES))) begin
          foff_d  = hdr_len_q;
          phase_d = PH_L4;
          state_d = S_FETCH0;
        end else begin
          status_d = proto_q == PROTO_UDP ? STATUS_MALFORMED : STATUS_NOT_ESP;
          udp_d    = proto_q == PROTO_UDP;
          done_d   = 1'b1;
          state_d  = S_IDLE;
        end
      end

      default: state_d = S_IDLE;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q   <= S_IDLE;
      phase_q   <= PH_IP;
      mode_q    <= PARSE_IP;
      done_q    <= 1'b0;
      status_q  <= STATUS_MALFORMED;
      base_q    <= '0;
      avail_q   <= '0;
      foff_q    <= '0;
      version_q <= '0;
      pkt_len_q <= '0;
      ihl_q     <= '0;
      hdr_len_q <= '0;
      nh_off_q  <= '0;
      proto_q   <= '0;
      udp_q     <= 1'b0;
      esp_off_q <= '0;
      esp_len_q <= '0;
      spi_q     <= '0;
      seq_q     <= '0;
    end else begin
      state_q   <= state_d;
      phase_q   <= phase_d;
      mode_q    <= mode_d;
      done_q    <= done_d;
      status_q  <= status_d;
      base_q    <= base_d;
      avail_q   <= avail_d;
      foff_q    <= foff_d;
      version_q <= version_d;
      pkt_len_q <= pkt_len_d;
      ihl_q     <= ihl_d;
      hdr_len_q <= hdr_len_d;
      nh_off_q  <= nh_off_d;
      proto_q   <= proto_d;
      udp_q     <= udp_d;
      esp_off_q <= esp_off_d;
      esp_len_q <= esp_len_d;
      spi_q     <= spi_d;
      seq_q     <= seq_d;
    end
  end

  // Data path registers (no reset).
  always_ff @(posedge clk_i) begin
    if (state_q == S_FETCH1) w0_q <= rd_data_i;
    fld_q <= fld_d;
  end

  assign busy_o    = state_q != S_IDLE;
  assign done_o    = done_q;
  assign rsp_o.status  = status_q;
  assign rsp_o.version = version_q;
  assign rsp_o.pkt_len = pkt_len_q;
  assign rsp_o.ihl     = ihl_q;
  assign rsp_o.hdr_len = hdr_len_q;
  assign rsp_o.nh_off  = nh_off_q;
  assign rsp_o.proto   = proto_q;
  assign rsp_o.udp     = udp_q;
  assign rsp_o.esp_off = esp_off_q;
  assign rsp_o.esp_len = esp_len_q;
  assign rsp_o.spi     = spi_q;
  assign rsp_o.seq_lo  = seq_q;

endmodule

`default_nettype wire
