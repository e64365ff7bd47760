// esp_unit_pkg: what the packet units of the process stage and their
// sequencer (esp_batch_ctrl) share, defined once: the packet length / buffer
// offset type, the IP numbers the spec does not carry, each unit's modes /
// ops, and each unit's request (sampled with its start) and response (held
// from its done) as packed structs. Ports and meanings: the header comment
// of each unit (esp_ip_parse, esp_trailer, esp_aead, esp_hdr_build).
`default_nettype none

package esp_unit_pkg;
  import esp_spec_pkg::*;

  // ---------------------------------------------------------------- lengths
  // A packet length or a byte offset in a packet buffer: 0..MAX_PKT_BYTES
  // (the spec's PKT_LEN_BITS).
  typedef logic [PKT_LEN_BITS-1:0] pkt_len_t;
  // A sum of two of them (one carry bit more).
  localparam int unsigned PktSumBits = PKT_LEN_BITS + 1;
  typedef logic [PktSumBits-1:0] pkt_sum_t;

  // ---------------------------- IP numbers not in the spec (it has IPV6_HDR_BYTES,
  // UDP_HDR_BYTES, ESP_TRAILER_BYTES, ESP_PROTO, UDP_PROTO, NAT_T_PORT, NH_NO_NEXT)
  localparam logic [3:0]  IP_VERSION4       = 4'd4;
  localparam logic [3:0]  IP_VERSION6       = 4'd6;
  localparam logic [7:0]  IP_PROTO_HOPOPT   = 8'd0;
  localparam logic [7:0]  IP_PROTO_IPV4     = 8'd4;    // IPv4 in IP (tunnel next header)
  localparam logic [7:0]  IP_PROTO_IPV6     = 8'd41;   // IPv6 in IP
  localparam logic [7:0]  IP_PROTO_ROUTING  = 8'd43;
  localparam logic [7:0]  IP_PROTO_FRAGMENT = 8'd44;
  localparam logic [7:0]  IP_PROTO_DSTOPTS  = 8'd60;
  localparam int unsigned IPV4_MIN_HDR      = 20;      // IPv4 header without options

  // ---------------------------------------------------------------- the SA
  // The fields of an SA entry in the forms the process stage takes
  // (esp_sa_view): integers as they are, the flags one by one, key, salt and
  // tunnel addresses in wire order (byte 0 in the high bits).
  typedef struct packed {
    logic [31:0]  spi;
    logic [31:0]  generation;
    logic [31:0]  window_bits;
    logic [7:0]   icv_len;
    logic [63:0]  replay_offset;
    logic [63:0]  soft_bytes;
    logic [63:0]  hard_bytes;
    logic [63:0]  soft_packets;
    logic [63:0]  hard_packets;
    logic         valid;
    logic         outbound;
    logic         tunnel;
    logic         outer_v6;
    logic         esn;
    logic         udp_encap;
    logic         gmac;
    logic         aes256;
    logic [255:0] key;
    logic [31:0]  salt;
    logic [7:0]   ttl;
    logic [7:0]   tos;
    logic [19:0]  flow_label;
    logic [15:0]  udp_sport;
    logic [15:0]  udp_dport;
    logic [127:0] tun_src;
    logic [127:0] tun_dst;
  } sa_view_t;

  // ------------------------------------------------------------ the packet
  // The packet esp_batch_ctrl is processing: parse results and plan.
  typedef struct packed {
    logic [3:0]  version;    // of the parsed IP packet
    pkt_len_t    pkt_len;
    pkt_len_t    ihl;
    pkt_len_t    hdr_len;
    pkt_len_t    nh_off;
    pkt_len_t    esp_off;    // ESP header in the output (ENCRYPT) / input (DECRYPT) buffer
    pkt_len_t    esp_len;
    pkt_len_t    pay_off;    // ENCRYPT payload in ibuf
    pkt_len_t    pay_len;
    pkt_len_t    pt_len;     // plaintext (payload, pad, trailer)
    pkt_len_t    out_len;    // output packet
    logic [7:0]  nh;         // ESP next header
    logic [15:0] sum;        // esp_aead's payload sum (IPv6 UDP checksum)
  } pkt_ctx_t;

  // ------------------------------------------------------------ esp_ip_parse
  typedef enum logic [1:0] {
    PARSE_IP         = 2'd0,  // ENCRYPT tunnel / DECRYPT inner: the IP packet
    PARSE_OUT        = 2'd1,  // ENCRYPT transport: + where ESP goes (IPv6 extension headers)
    PARSE_LOCATE_ESP = 2'd2   // DECRYPT: the outer packet and its ESP (UDP encapsulation)
  } parse_mode_e;

  typedef struct packed {
    parse_mode_e mode;
    pkt_len_t    base;     // buffer offset of the packet
    pkt_len_t    avail;    // bytes of it in the buffer
  } parse_req_t;

  typedef struct packed {
    logic [15:0] status;   // STATUS_OK, MALFORMED or NOT_ESP
    logic [3:0]  version;
    pkt_len_t    pkt_len;
    pkt_len_t    ihl;
    pkt_len_t    hdr_len;
    pkt_len_t    nh_off;
    logic [7:0]  proto;
    logic        udp;
    pkt_len_t    esp_off;
    pkt_len_t    esp_len;
    logic [31:0] spi;
    logic [31:0] seq_lo;
  } parse_rsp_t;

  // ------------------------------------------------------------- esp_trailer
  // (it checks a DECRYPT's trailer: an ENCRYPT's is built on esp_aead's stream)
  typedef struct packed {
    pkt_len_t    off;
    pkt_len_t    len;
  } tr_req_t;

  typedef struct packed {
    logic [15:0] status;
    logic [7:0]  pad_len;
    pkt_len_t    pt_len;
    pkt_len_t    pay_len;
    logic [7:0]  nh;
  } tr_rsp_t;

  // ---------------------------------------------------------------- esp_aead
  typedef struct packed {
    logic         wipe;       // no packet: the key slot of sa_index overwritten (zero key) and its entry dropped
    logic         setup;      // no packet: the key set up into sa_index's slot unless its entry holds it (SA_INSTALL)
    logic         encrypt;
    logic         gmac;
    logic         esn;
    logic         aes256;
    logic [255:0] key;
    logic [31:0]  sa_index;
    logic [31:0]  generation;
    logic [31:0]  salt;
    logic [31:0]  spi;
    logic [63:0]  seq;
    pkt_len_t     src_off;
    pkt_len_t     dst_off;
    pkt_len_t     len;
    logic [4:0]   icv_len;
    logic         trl;        // encrypt: esp_aead puts the ESP trailer on the stream: the text is
    pkt_len_t     pay_len;    //   pay_len bytes from ibuf, then pad 1..P, P, nh (P = len - pay_len - 2)
    logic [7:0]   nh;
  } aead_req_t;

  // A decrypt's trailer and inner header as esp_dec_watch saw them on the
  // stream (CONTRACT.md DECRYPT 12-14; meaningful for a decrypt only)
  typedef struct packed {
    logic         trl_ok;     // esp_trailer's TR_CHECK would give STATUS_OK
    logic [7:0]   nh;         // the next header byte
    logic         in_slow;    // (never for PARSE_IP) esp_ip_parse must parse the inner packet
    logic [15:0]  in_status;  // (trl_ok) PARSE_IP of the inner packet: status,
    pkt_len_t     in_len;     //   and with STATUS_OK its pkt_len
  } aead_dec_t;

  typedef struct packed {
    logic         auth_ok;
    logic [15:0]  sum;
    aead_dec_t    dec;
  } aead_rsp_t;

  // The input words esp_aead reads for a job (esp_aead.sv: its stream of H
  // header bytes from src_off - H, the text and a decrypt's ICV, read from
  // word (src_off - H) / PKT_BUS_BYTES on; H = 16, 20 for GMAC with ESN).
  // An encrypt with its trailer on the stream (trl) reads only the payload
  // (pay_len bytes of the text): the words of the trailer's bytes hold
  // nothing it uses (at 64 B, one word of three); but at least as many
  // words as the stream has beats, since the reader makes one beat per word
  // read and one more (the last) after them.
  localparam int unsigned AeadEspB   = ESP_HDR_BYTES + IV_BYTES;   // SPI | seq_lo | IV
  localparam int unsigned AeadSeqHiB = ESP_HDR_BYTES / 2;          // seq_hi in the ESN AAD
  function automatic logic [PKT_LEN_BITS+1:0] aead_in_words(input logic encrypt, input logic gmac, input logic esn,
                                                             input pkt_len_t src_off, input pkt_len_t len,
                                                             input logic [4:0] icv_len, input logic trl,
                                                             input pkt_len_t pay_len);
    logic [$clog2(PKT_BUS_BYTES)-1:0] shift;   // (src_off - H) mod PKT_BUS_BYTES
    logic [PKT_LEN_BITS+1:0] hlen, lw, nw, nb;
    hlen  = (PKT_LEN_BITS+2)'(AeadEspB) + ((gmac && esn) ? (PKT_LEN_BITS+2)'(AeadSeqHiB) : '0);
    shift = $clog2(PKT_BUS_BYTES)'(src_off - PKT_LEN_BITS'(hlen));
    lw    = hlen + ((encrypt && trl) ? (PKT_LEN_BITS+2)'(pay_len) : (PKT_LEN_BITS+2)'(len)) +
            (encrypt ? '0 : (PKT_LEN_BITS+2)'(icv_len)) + (PKT_LEN_BITS+2)'(shift);
    nw    = (lw + (PKT_LEN_BITS+2)'(PKT_BUS_BYTES - 1)) >> $clog2(PKT_BUS_BYTES);
    nb    = (hlen + (PKT_LEN_BITS+2)'(len) + (PKT_LEN_BITS+2)'(PKT_BUS_BYTES - 1)) >> $clog2(PKT_BUS_BYTES);
    return (encrypt && trl && nb > nw) ? nb : nw;
  endfunction

  // Lane and byte masks of a bus word, and its sum as big-endian 16-bit
  // words (even lanes high): esp_aead and esp_aead_out.
  function automatic logic [PKT_BUS_BYTES-1:0] aead_prefix(input logic [$clog2(PKT_BUS_BYTES):0] n);  // n in 0..NB
    logic [PKT_BUS_BYTES-1:0] r;
    for (int unsigned b = 0; b < PKT_BUS_BYTES; b++) r[b] = ($clog2(PKT_BUS_BYTES)+1)'(b) < n;
    return r;
  endfunction

  function automatic logic [8*PKT_BUS_BYTES-1:0] aead_bytemask(input logic [PKT_BUS_BYTES-1:0] m);
    logic [8*PKT_BUS_BYTES-1:0] r;
    for (int unsigned b = 0; b < PKT_BUS_BYTES; b++) r[8*b +: 8] = {8{m[b]}};
    return r;
  endfunction

  function automatic logic [21:0] aead_beat_sum(input logic [8*PKT_BUS_BYTES-1:0] d);
    logic [21:0] s;
    s = '0;
    for (int unsigned i = 0; i < PKT_BUS_BYTES / 2; i++) s = s + 22'({d[16*i +: 8], d[16*i+8 +: 8]});
    return s;
  endfunction

  // ----------------------------------------------------------- esp_hdr_build
  typedef enum logic [1:0] {
    HB_TUNNEL_V4 = 2'd0,   // outer IPv4 header
    HB_TUNNEL_V6 = 2'd1,   // outer IPv6 header
    HB_UPDATE    = 2'd2    // copy the packet's header block, update it
  } hb_op_e;

  typedef struct packed {
    hb_op_e       op;
    logic         udp;
    logic [7:0]   proto;
    pkt_len_t     out_len;
    logic [7:0]   tos;
    logic [7:0]   ttl;
    logic [19:0]  flow_label;
    logic [127:0] tun_src;
    logic [127:0] tun_dst;
    logic [3:0]   version;
    pkt_len_t     ihl;
    pkt_len_t     hdr_len;
    pkt_len_t     nh_off;
    logic [15:0]  udp_sport;
    logic [15:0]  udp_dport;
    logic [15:0]  payload_sum;
  } hb_req_t;

  typedef struct packed {
    pkt_len_t     outer_len;
    logic [15:0]  udp_csum;
  } hb_rsp_t;

  // ------------------------------------------------------- esp_batch_tail
  // A DECRYPT the head hands the tail with its esp_aead job (hw/rtl/DATAPATH.md
  // "DECRYPT across descriptors"): the SA's committed state as the head's
  // pre-check saw it and what the steps after the ICV need. fwd: the
  // DECRYPT queued just before it is of the same SA (still in the tail when
  // the head read its state): the tail starts from the state that one leaves.
  // seq's entry is the top's (as the tail sees T), or seq is beyond T in a
  // later entry (a crossing: that entry holds no bit of seq's block, the old
  // te goes to card memory through te_flush_t, seq's entry becomes te).
  typedef struct packed {
    logic          fwd;
    logic [31:0]   sa_idx;
    logic [31:0]   window_bits;
    logic [63:0]   soft_bytes;
    logic [63:0]   soft_packets;
    sa_counters_t  ctr;
    logic [63:0]   top;        // T (the state line's seq)
    logic [63:0]   seq;        // the packet's, inferred (ESN) from T
    replay_entry_t te;         // T's ring entry (on chip)
    logic [63:0]   te_off;     // its offset in the replay area
    logic [63:0]   ent_off;    // seq's entry's (te_off after a crossing)
  } tail_dec_t;

  // The tail's write of the old te to card memory when a DECRYPT it commits
  // moves T to another ring entry (esp_batch_ctrl posts it on the process
  // client; one at a time).
  typedef struct packed {
    logic          v;
    logic [63:0]   off;        // in the replay area
    replay_entry_t te;
  } te_flush_t;

  // ------------------------------------------------------- esp_batch_ctrl
  // The head's steps (esp_batch_ctrl's sequencer state; esp_batch_units
  // selects the units' owners and starts from it).
  typedef enum logic [5:0] {
    StIdle, StNext, StMem, StMemW, StFence, StSaLd, StCpl, StDrain, StDone,
    StEncSa, StEncParse, StDecTrlGo, StEncAead, StEncRel, StSaWait, StDecWait,
    StDecLoc, StDecSaIdx, StDecB0, StDecB1, StDecSa, StDecBit,
    StDecAead, StDecAeadRsp, StComTop, StComEnt,
    StDecTrl, StDecInner, StDecHdr, StDecDeliver, StCmdInst, StCmdKeep, StCmdLine, StCmdSt,
    StCmdWipe, StCmdWb, StCmdEnd, StCmdInstRd, StCmdKchk, StCmdKey
  } head_state_e;

  // A write of esp_sa_store's state (esp_batch_ctrl's, or the tail's
  // DECRYPT commit when the head makes none).
  typedef struct packed {
    logic          we, mark;     // write; the SA changed (written back)
    logic [31:0]   idx;
    sa_state_t     line;
    replay_entry_t te;           // T's ring entry (te_ok), at te_off
    logic [63:0]   te_off;
    logic          te_ok;
  } st_wr_t;

  // What esp_batch_units needs of the head (esp_batch_ctrl's registers): its
  // step, the SA and packet in process (the units' requests), the unit
  // starts, the descriptor it pushes to the tail (or completes itself) and
  // its writes of the SA store.
  typedef struct packed {
    head_state_e   state;
    logic          op_enc;       // the descriptor is an ENCRYPT
    sa_view_t      sa;
    pkt_ctx_t      pk;
    logic [31:0]   sa_idx;
    logic [63:0]   seq;
    parse_mode_e   parse_mode;
    pkt_len_t      parse_avail;
    logic          parse_go, tr_go, hb_go;   // unit starts (registered pulses)
    logic          dec_tail;     // StDecAead: the DECRYPT goes to the tail
    logic          dec_go;       // the DECRYPT's request to esp_aead (StDecAead, or StDecSa / StDecBit as 9 passes)
    logic          enc_go;       // the ENCRYPT's request to esp_aead (StEncAead, or the cycle it is planned)
    logic          spec;         // the registers keep an SA's committed state (DECRYPTs in the tail)
    logic          push;         // the head's own completion (StCpl, the tail idle)
    logic          wr_pkt;       // the output packet is written
    tail_dec_t     dctx;
    logic [8*COMPLETION_SIZE-1:0] cpl;
    logic [63:0]   out_off;
    logic [31:0]   out_cap;
    logic          st_we, st_mark;           // the head's write of the SA store
    sa_state_t     st_line;
    replay_entry_t st_te;
    logic [63:0]   st_te_off;
    logic          st_te_ok;
  } head_view_t;

  // The tail's DECRYPTs, one per output slot (at most MaxOSlots; the callers
  // widen theirs): whether one of them is of SA i. The head (esp_batch_ctrl)
  // reads an SA only after them, and so does its read ahead (esp_sa_ahead).
  localparam int unsigned MaxOSlots = 64;
  function automatic logic sa_in_tail(input logic [MaxOSlots-1:0] dec_v,
                                      input logic [MaxOSlots-1:0][31:0] dec_sa,
                                      input logic [31:0] i);
    sa_in_tail = 1'b0;
    for (int unsigned k = 0; k < MaxOSlots; k++) sa_in_tail |= dec_v[k] && dec_sa[k] == i;
  endfunction

endpackage : esp_unit_pkg

`default_nettype wire
