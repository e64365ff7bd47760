// esp_hdr_build: the IP header(s) and the UDP header in front of ESP
// (hw/rtl/DATAPATH.md "esp_hdr_build"), bit-exact with the HLS
// build_outer_ipv4 / build_outer_ipv6 / ip_update_header (+ the copy of the
// header block) and the UDP part of build_encap (udp6_checksum).
//
// Ports (req_i: esp_unit_pkg::hb_req_t, sampled with start_i; rsp_o: hb_rsp_t)
//   start_i              one-cycle job start (ignored while busy_o); sampled with it:
//   req_i.op[1:0]            HB_TUNNEL_V4 (0): outer IPv4 header at obuf[0, 20)
//                        HB_TUNNEL_V6 (1): outer IPv6 header at obuf[0, 40)
//                        HB_UPDATE (2): copy ibuf[0, req_i.hdr_len) to obuf[0, req_i.hdr_len)
//                          and apply ip_update_header(req_i.nh_off, req_i.proto, req_i.out_len)
//   req_i.udp                also write the UDP header (RFC 3948) at obuf[rsp_o.outer_len, +8)
//   req_i.proto[7:0]         the protocol / next header announcing the payload: tunnel and
//                        ENCRYPT transport UDP_PROTO (udp) or ESP_PROTO; DECRYPT
//                        transport the ESP next header
//   req_i.out_len      length of the whole output packet (IP total length)
//   req_i.tos, req_i.ttl [7:0], req_i.flow_label[19:0]   tunnel: SA fields
//   req_i.tun_src, req_i.tun_dst [127:0]  tunnel: addresses, wire order (byte 0 in [127:120];
//                        IPv4: the first 4 bytes, [127:96])
//   req_i.version[3:0], req_i.ihl, req_i.hdr_len, req_i.nh_off
//                        UPDATE: the parsed IpHeader of the packet in ibuf
//                        (req_i.nh_off < req_i.hdr_len, req_i.ihl <= 60)
//   req_i.udp_sport, req_i.udp_dport [15:0]   UDP ports
//   req_i.payload_sum[15:0]  IPv6 UDP: ones'-complement sum (folded, not inverted) of the
//                        UDP payload as big-endian 16-bit words (esp_aead rsp_sum_o)
//   rd_re_o, rd_addr_o[Aw-1:0], rd_data_i[511:0]   ibuf read port (UPDATE; 1-cycle latency)
//   wr_we_o, wr_addr_o[Aw-1:0], wr_be_o[63:0], wr_data_o[511:0]  obuf write port
//   busy_o               a job is running
//   done_o               one-cycle pulse at the end of a job
//   rsp_o.outer_len    held from done: 20, 40 or req_i.hdr_len (where UDP / ESP starts)
//   rsp_o.udp_csum[15:0]     held from done: the UDP checksum written (0 over IPv4)
//
// Only the bytes named above are written (byte enables). Cycles from the
// start_i cycle to the done_o cycle: tunnel 1 (S_TONE: the outer header,
// its checksum and the UDP header in one write of word 0, in the done_o
// cycle itself, with busy_o low and the next start taken; rsp_o from
// done_o on), UPDATE 1 + 2 per header word (3 for
// a header block of up to 64 bytes); + 2 for UDP (+1 when the UDP header
// straddles two words).
`default_nettype none

module esp_hdr_build
  import esp_spec_pkg::*;
  import esp_unit_pkg::*;
#(
  parameter int unsigned Depth = 256,
  localparam int unsigned Aw = $clog2(Depth),
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES
) (
  input  wire logic                     clk_i,
  input  wire logic                     rst_ni,

  input  wire logic                     start_i,
  input  wire hb_req_t req_i,

  output      logic                     rd_re_o,
  output      logic [Aw-1:0]            rd_addr_o,
  input  wire logic [Dw-1:0]            rd_data_i,

  output      logic                     wr_we_o,
  output      logic [Aw-1:0]            wr_addr_o,
  output      logic [PKT_BUS_BYTES-1:0] wr_be_o,
  output      logic [Dw-1:0]            wr_data_o,

  output      logic                     busy_o,
  output      logic                     done_o,
  output      hb_rsp_t rsp_o
);


  localparam int unsigned Lw = $clog2(PKT_BUS_BYTES);
  localparam logic [7:0]  IPV4_VER_IHL = 8'h45;    // version 4, IHL 5
  localparam logic [15:0] IPV4_FLAGS_DF = 16'h4000;
  localparam int unsigned IPV4_CSUM_OFF = 10;
  localparam int unsigned IPV6_ADDR_OFF = 8;     // source, then destination (16 bytes each)
  localparam int unsigned CSUM_WORDS = PKT_BUS_BYTES / 2;

  typedef enum logic [2:0] {
    S_IDLE, S_TONE, S_UDATA, S_WRITE, S_UCS, S_UW0, S_UW1
  } state_e;

  state_e      state_q, state_d;
  logic [1:0]  op_q, op_d;
  logic        udp_q, udp_d, v4_q, v4_d;
  logic [7:0]  proto_q, proto_d, tos_q, tos_d, ttl_q, ttl_d;
  pkt_len_t    out_len_q, out_len_d, ihl_q, ihl_d, outer_len_q, outer_len_d, nh_off_q, nh_off_d;
  logic [19:0] fl_q, fl_d;
  logic [127:0] src_q, src_d, dst_q, dst_d;
  logic [15:0] sport_q, sport_d, dport_q, dport_d, psum_q, psum_d;
  logic [15:0] csum_q, csum_d;
  logic [Aw-1:0] idx_q, idx_d;      // header word being copied / written
  logic [Dw-1:0] hw_q, hw_d;        // the header word to write
  logic        done_q, done_d;

  function automatic logic [7:0] be_byte(input logic [127:0] v, input int unsigned k);
    return v[8*(15-k) +: 8];
  endfunction

  // ------------------------------------------------------------ tunnel word
  logic [Dw-1:0] tun_word;
  logic [15:0]   v6_plen;
  logic [31:0]   v6_w0;
  assign v6_plen = 16'(out_len_q) - 16'(IPV6_HDR_BYTES);
  assign v6_w0   = {IP_VERSION6, tos_q, fl_q};
  always_comb begin
    tun_word = '0;
    if (v4_q) begin
      tun_word[8*0 +: 8] = IPV4_VER_IHL;
      tun_word[8*1 +: 8] = tos_q;
      tun_word[8*2 +: 8] = 8'(out_len_q >> 8);
      tun_word[8*3 +: 8] = out_len_q[7:0];
      tun_word[8*6 +: 8] = IPV4_FLAGS_DF[15:8];
      tun_word[8*7 +: 8] = IPV4_FLAGS_DF[7:0];
      tun_word[8*8 +: 8] = ttl_q;
      tun_word[8*9 +: 8] = proto_q;
      for (int unsigned i = 0; i < 4; i++) begin
        tun_word[8*(12+i) +: 8] = be_byte(src_q, i);
        tun_word[8*(16+i) +: 8] = be_byte(dst_q, i);
      end
    end else begin
      for (int unsigned i = 0; i < 4; i++) tun_word[8*i +: 8] = v6_w0[8*(3-i) +: 8];
      tun_word[8*4 +: 8] = v6_plen[15:8];
      tun_word[8*5 +: 8] = v6_plen[7:0];
      tun_word[8*6 +: 8] = proto_q;
      tun_word[8*7 +: 8] = ttl_q;
      for (int unsigned i = 0; i < 16; i++) begin
        tun_word[8*(8+i) +: 8]  = be_byte(src_q, i);
        tun_word[8*(24+i) +: 8] = be_byte(dst_q, i);
      end
    end
  end

  // ------------------------------------------------------------ UPDATE word
  logic [Dw-1:0] upd_word;
  always_comb begin
    upd_word = rd_data_i;
    if (Aw'(nh_off_q >> Lw) == idx_q) upd_word[8*nh_off_q[Lw-1:0] +: 8] = proto_q;
    if (idx_q == '0) begin
      if (v4_q) begin
        upd_word[8*2 +: 8] = 8'(out_len_q >> 8);
        upd_word[8*3 +: 8] = out_len_q[7:0];
      end else begin
        upd_word[8*4 +: 8] = v6_plen[15:8];
        upd_word[8*5 +: 8] = v6_plen[7:0];
      end
    end
  end

  // ------------------------------------------------------------ checksums
  // IPv4 header checksum of the header word (hw_q; S_TONE: tun_word) over
  // ihl_q bytes, the checksum field as 0.
  logic [15:0]   ip_csum;
  logic [Dw-1:0] cs_word;
  assign cs_word = state_q == S_TONE ? tun_word : hw_q;
  always_comb begin
    logic [21:0] s;
    s = '0;
    for (int unsigned k = 0; k < CSUM_WORDS; k++) begin
      if (32'(2 * k) < 32'(ihl_q) && 2 * k != IPV4_CSUM_OFF) begin
        s = s + {6'd0, cs_word[8*(2*k) +: 8], cs_word[8*(2*k+1) +: 8]};
      end
    end
    s = {6'd0, s[15:0]} + {16'd0, s[21:16]};
    s = {6'd0, s[15:0]} + {16'd0, s[21:16]};
    ip_csum = ~s[15:0];
  end

  logic [Dw-1:0] hw_out;
  always_comb begin
    hw_out = cs_word;
    if (v4_q && idx_q == '0) begin
      hw_out[8*IPV4_CSUM_OFF +: 8]     = ip_csum[15:8];
      hw_out[8*(IPV4_CSUM_OFF+1) +: 8] = ip_csum[7:0];
    end
  end

  // UDP length and (IPv6) checksum: pseudo header {src, dst, length, 17} +
  // ports, length + the payload sum.
  logic [15:0] udp_len;
  logic [15:0] udp_csum;
  assign udp_len = 16'(out_len_q) - 16'(outer_len_q);
  always_comb begin
    logic [20:0] s;
    s = 21'(psum_q) + 21'(UDP_PROTO) + 21'(udp_len) + 21'(udp_len) + 21'(sport_q) + 21'(dport_q);
    for (int unsigned k = 0; k < 8; k++) s = s + 21'(src_q[16*k +: 16]) + 21'(dst_q[16*k +: 16]);
    s = {5'd0, s[15:0]} + {16'd0, s[20:16]};
    s = {5'd0, s[15:0]} + {16'd0, s[20:16]};
    udp_csum = ~s[15:0] == '0 ? 16'hFFFF : ~s[15:0];
  end

  // UDP header over two words from the word of outer_len_q (its checksum:
  // csum_q, or in S_TONE the one computed now).
  logic [15:0] udp_cs_now;
  logic [63:0] udp_hdr;
  assign udp_cs_now = v4_q ? '0 : udp_csum;
  assign udp_hdr    = {sport_q, dport_q, udp_len, state_q == S_TONE ? udp_cs_now : csum_q};
  logic [2*PKT_BUS_BYTES-1:0] uwin_be;
  logic [2*Dw-1:0]            uwin_data;
  always_comb begin
    for (int unsigned l = 0; l < 2 * PKT_BUS_BYTES; l++) begin
      logic [7:0] rel;
      rel = 8'(l) - 8'(outer_len_q[Lw-1:0]);
      uwin_be[l]          = l >= 32'(outer_len_q[Lw-1:0]) && rel < 8'(UDP_HDR_BYTES);
      uwin_data[8*l +: 8] = udp_hdr[8*(7-rel[2:0]) +: 8];
    end
  end

  // Byte enables of header word idx_q: bytes below outer_len_q.
  logic [PKT_BUS_BYTES-1:0] hdr_be;
  always_comb begin
    for (int unsigned l = 0; l < PKT_BUS_BYTES; l++) begin
      hdr_be[l] = {idx_q, Lw'(l)} < (Aw + Lw)'(outer_len_q);
    end
  end

  logic [Aw+Lw:0] next_word_start;
  assign next_word_start = {1'b0, idx_q + Aw'(1), Lw'(0)};

  // A job's start (S_IDLE, or S_TONE: its write is the last cycle of the
  // job before, busy_o is low then).
  task automatic take();
    op_d      = req_i.op;
    udp_d     = req_i.udp;
    proto_d   = req_i.proto;
    tos_d     = req_i.tos;
    ttl_d     = req_i.ttl;
    fl_d      = req_i.flow_label;
    src_d     = req_i.tun_src;
    dst_d     = req_i.tun_dst;
    out_len_d = req_i.out_len;
    nh_off_d  = req_i.nh_off;
    sport_d   = req_i.udp_sport;
    dport_d   = req_i.udp_dport;
    psum_d    = req_i.payload_sum;
    idx_d     = '0;
    if (req_i.op == HB_UPDATE) begin
      v4_d        = req_i.version == IP_VERSION4;
      ihl_d       = req_i.ihl;
      outer_len_d = req_i.hdr_len;
      rd_re_o     = 1'b1;      // ibuf word 0
      state_d     = S_UDATA;
    end else begin
      v4_d        = req_i.op != HB_TUNNEL_V6;  // HB_TUNNEL_V4 (op 3 is not used)
      ihl_d       = PKT_LEN_BITS'(IPV4_MIN_HDR);
      outer_len_d = req_i.op == HB_TUNNEL_V6 ? PKT_LEN_BITS'(IPV6_HDR_BYTES) : PKT_LEN_BITS'(IPV4_MIN_HDR);
      done_d      = 1'b1;
      state_d     = S_TONE;
    end
  endtask

  always_comb begin
    state_d     = state_q;
    op_d        = op_q;
    udp_d       = udp_q;
    v4_d        = v4_q;
    proto_d     = proto_q;
    tos_d       = tos_q;
    ttl_d       = ttl_q;
    out_len_d   = out_len_q;
    ihl_d       = ihl_q;
    outer_len_d = outer_len_q;
    nh_off_d    = nh_off_q;
    fl_d        = fl_q;
    src_d       = src_q;
    dst_d       = dst_q;
    sport_d     = sport_q;
    dport_d     = dport_q;
    psum_d      = psum_q;
    csum_d      = csum_q;
    idx_d       = idx_q;
    hw_d        = hw_q;
    done_d      = 1'b0;
    rd_re_o     = 1'b0;
    rd_addr_o   = '0;
    wr_we_o     = 1'b0;
    wr_addr_o   = idx_q;
    wr_be_o     = hdr_be;
    wr_data_o   = hw_out;

    unique case (state_q)
      S_IDLE: if (start_i) take();

      // tunnel: the outer header with its checksum and (udp) the UDP header
      // behind it, all in word 0 (outer_len + 8 <= 48 bytes)
      S_TONE: begin
        wr_we_o   = 1'b1;
        wr_addr_o = '0;
        wr_be_o   = hdr_be | (udp_q ? uwin_be[PKT_BUS_BYTES-1:0] : '0);
        wr_data_o = hw_out;
        for (int unsigned l = 0; l < PKT_BUS_BYTES; l++) begin
          if (udp_q && uwin_be[l]) wr_data_o[8*l +: 8] = uwin_data[8*l +: 8];
        end
        csum_d  = udp_cs_now;
        if (start_i) take();
        else state_d = S_IDLE;
      end

      S_UDATA: begin
        hw_d    = upd_word;
        state_d = S_WRITE;
      end

      S_WRITE: begin
        wr_we_o = 1'b1;
        if (idx_q == '0 && op_q == HB_UPDATE) begin
          // IPv6 addresses of the (updated) header for the UDP checksum
          for (int unsigned i = 0; i < 16; i++) begin
            src_d[8*(15-i) +: 8] = hw_q[8*(IPV6_ADDR_OFF+i) +: 8];
            dst_d[8*(15-i) +: 8] = hw_q[8*(IPV6_ADDR_OFF+16+i) +: 8];
          end
        end
        if (op_q == HB_UPDATE && next_word_start < (Aw + Lw + 1)'(outer_len_q)) begin
          idx_d     = idx_q + Aw'(1);
          rd_re_o   = 1'b1;
          rd_addr_o = idx_q + Aw'(1);
          state_d   = S_UDATA;
        end else if (udp_q) begin
          state_d = S_UCS;
        end else begin
          done_d  = 1'b1;
          state_d = S_IDLE;
        end
      end

      S_UCS: begin
        csum_d  = v4_q ? '0 : udp_csum;
        state_d = S_UW0;
      end

      S_UW0: begin
        wr_we_o   = 1'b1;
        wr_addr_o = Aw'(outer_len_q >> Lw);
        wr_be_o   = uwin_be[PKT_BUS_BYTES-1:0];
        wr_data_o = uwin_data[Dw-1:0];
        if (32'(outer_len_q[Lw-1:0]) + UDP_HDR_BYTES > PKT_BUS_BYTES) begin
          state_d = S_UW1;
        end else begin
          done_d  = 1'b1;
          state_d = S_IDLE;
        end
      end

      S_UW1: begin
        wr_we_o   = 1'b1;
        wr_addr_o = Aw'(outer_len_q >> Lw) + Aw'(1);
        wr_be_o   = uwin_be[2*PKT_BUS_BYTES-1:PKT_BUS_BYTES];
        wr_data_o = uwin_data[2*Dw-1:Dw];
        done_d    = 1'b1;
        state_d   = S_IDLE;
      end

      default: state_d = S_IDLE;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q     <= S_IDLE;
      op_q        <= HB_TUNNEL_V4;
      udp_q       <= 1'b0;
      v4_q        <= 1'b0;
      proto_q     <= '0;
      tos_q       <= '0;
      ttl_q       <= '0;
      out_len_q   <= '0;
      ihl_q       <= '0;
      outer_len_q <= '0;
      nh_off_q    <= '0;
      fl_q        <= '0;
      src_q       <= '0;
      dst_q       <= '0;
      sport_q     <= '0;
      dport_q     <= '0;
      psum_q      <= '0;
      csum_q      <= '0;
      idx_q       <= '0;
      done_q      <= 1'b0;
    end else begin
      state_q     <= state_d;
      op_q        <= op_d;
      udp_q       <= udp_d;
      v4_q        <= v4_d;
      proto_q     <= proto_d;
      tos_q       <= tos_d;
      ttl_q       <= ttl_d;
      out_len_q   <= out_len_d;
      ihl_q       <= ihl_d;
      outer_len_q <= outer_len_d;
      nh_off_q    <= nh_off_d;
      fl_q        <= fl_d;
      src_q       <= src_d;
      dst_q       <= dst_d;
      sport_q     <= sport_d;
      dport_q     <= dport_d;
      psum_q      <= psum_d;
      csum_q      <= csum_d;
      idx_q       <= idx_d;
      done_q      <= done_d;
    end
  end

  always_ff @(posedge clk_i) begin
    hw_q <= hw_d;
  end

  assign busy_o      = state_q != S_IDLE && state_q != S_TONE;   // (S_TONE: the done cycle)
  assign done_o      = done_q;
  assign rsp_o.outer_len = outer_len_q;
  assign rsp_o.udp_csum  = state_q == S_TONE ? udp_cs_now : csum_q;

endmodule

`default_nettype wire
