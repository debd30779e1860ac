// bs_misc.v - brainsmith RTL kernel library: FMPadding, ChannelwiseOp and
// GlobalAccPool.  Same conventions as bs_stream.v: element 0 in the lowest
// bits, NHWC order with the channel fold innermost, an output register that
// only advances when empty or read (no beat lost or duplicated).

// FMPadding: (IH, IW, CF, SIMD) beats in, (IH+PT+PB, IW+PL+PR, CF, SIMD)
// out; padding beats are zero and take no input.  A frame's padding is only
// emitted once its first input beat is offered (no beats of a frame that
// never comes).
module bs_fmpad #(
  parameter integer IH = 4, parameter integer IW = 4,
  parameter integer PT = 1, parameter integer PL = 1,
  parameter integer PB = 1, parameter integer PR = 1,
  parameter integer CF = 1, parameter integer W = 8
)(
  input  wire         clk,
  input  wire         rst_n,
  input  wire [W-1:0] in_data,
  input  wire         in_valid,
  output wire         in_ready,
  output reg  [W-1:0] out_data,
  output reg          out_valid,
  input  wire         out_ready
);
  localparam integer OH = IH + PT + PB;
  localparam integer OW = IW + PL + PR;
  reg [15:0] oy, ox, cf;
  reg active;
  wire pad = (oy < PT) || (oy >= PT + IH) || (ox < PL) || (ox >= PL + IW);
  wire take = ~out_valid | out_ready;
  wire last = (oy == OH - 1) && (ox == OW - 1) && (cf == CF - 1);
  wire fire = take & (pad ? (active | in_valid) : in_valid);
  assign in_ready = take & ~pad;
  always @(posedge clk) begin
    if (!rst_n) begin
      oy <= 0; ox <= 0; cf <= 0; out_valid <= 1'b0; active <= 1'b0;
    end else if (take) begin
      out_valid <= fire;
      if (fire) begin
        active <= ~last;
        out_data <= pad ? {W{1'b0}} : in_data;
        if (cf != CF - 1) cf <= cf + 1'b1;
        else begin
          cf <= 0;
          if (ox != OW - 1) ox <= ox + 1'b1;
          else begin
            ox <= 0;
            oy <= (oy != OH - 1) ? oy + 1'b1 : 16'd0;
          end
        end
      end
    end
  end
endmodule

// ChannelwiseOp: per channel parameter p (PBITS, two's complement), FUNC
// 0 = cmp_le (x <= p), 1 = cmp_ge (x >= p), 2 = add (x + p), 3 = mul (x * p);
// result truncated to OBITS.  Parameter word at address cf: lane p = P[cf*PE+p].
module bs_chanop #(
  parameter integer NC = 4, parameter integer PE = 1,
  parameter integer IBITS = 8, parameter integer ISIGNED = 1,
  parameter integer PBITS = 8, parameter integer OBITS = 8,
  parameter integer FUNC = 0,
  parameter PFILE = "p.memh"
)(
  input  wire                clk,
  input  wire                rst_n,
  input  wire [PE*IBITS-1:0] in_data,
  input  wire                in_valid,
  output wire                in_ready,
  output reg  [PE*OBITS-1:0] out_data,
  output reg                 out_valid,
  input  wire                out_ready
);
  localparam integer CF = NC / PE;
  localparam integer CFW = (CF <= 2) ? 1 : $clog2(CF);
  localparam integer RW = IBITS + PBITS + 2;
  wire stall = out_valid & ~out_ready;
  assign in_ready = ~stall;
  wire fire0 = in_valid & ~stall;
  reg [CFW-1:0] cf;
  reg [PE*PBITS-1:0] prom [0:CF-1];
  initial $readmemh(PFILE, prom);
  reg v1;
  reg [PE*IBITS-1:0] x1;
  reg [PE*PBITS-1:0] p1;
  always @(posedge clk) if (!stall) p1 <= prom[cf];
  always @(posedge clk) begin
    if (!rst_n) begin
      cf <= 0; v1 <= 0;
    end else if (!stall) begin
      v1 <= fire0;
      x1 <= in_data;
      if (fire0) cf <= (cf == CF - 1) ? {CFW{1'b0}} : cf + 1'b1;
    end
  end
  wire [PE*OBITS-1:0] od_c;
  genvar gp;
  generate
    for (gp = 0; gp < PE; gp = gp + 1) begin : g_lane
      wire signed [IBITS:0] xe = {(ISIGNED != 0) & x1[gp*IBITS + IBITS-1], x1[gp*IBITS +: IBITS]};
      wire signed [PBITS-1:0] pv = p1[gp*PBITS +: PBITS];
      wire signed [RW-1:0] r = (FUNC == 0) ? ((xe <= pv) ? 1 : 0) :
                               (FUNC == 1) ? ((xe >= pv) ? 1 : 0) :
                               (FUNC == 2) ? xe + pv : xe * pv;
      assign od_c[gp*OBITS +: OBITS] = r[OBITS-1:0];
    end
  endgenerate
  always @(posedge clk) begin
    if (!rst_n) out_valid <= 1'b0;
    else if (!stall) begin
      out_valid <= v1;
      if (v1) out_data <= od_c;
    end
  end
endmodule

// GlobalAccPool: sums each channel over NPIX pixels: in (NPIX, CF, PE) beats,
// out (CF, PE) beats of OBITS, emitted with the last pixel's beats.
module bs_gap #(
  parameter integer NPIX = 4, parameter integer CF = 1, parameter integer PE = 1,
  parameter integer IBITS = 8, parameter integer ISIGNED = 0, parameter integer OBITS = 10
)(
  input  wire                clk,
  input  wire                rst_n,
  input  wire [PE*IBITS-1:0] in_data,
  input  wire                in_valid,
  output wire                in_ready,
  output reg  [PE*OBITS-1:0] out_data,
  output reg                 out_valid,
  input  wire                out_ready
);
  reg [PE*OBITS-1:0] acc [0:CF-1];
  reg [31:0] pix, cf;
  assign in_ready = ~out_valid | out_ready;
  wire fire = in_valid & in_ready;
  wire [PE*OBITS-1:0] old = acc[cf];
  wire [PE*OBITS-1:0] nv;
  genvar gp;
  generate
    for (gp = 0; gp < PE; gp = gp + 1) begin : g_lane
      wire [OBITS-1:0] xe = {{(OBITS-IBITS){(ISIGNED != 0) & in_data[gp*IBITS + IBITS-1]}}, in_data[gp*IBITS +: IBITS]};
      assign nv[gp*OBITS +: OBITS] = (pix == 0 ? {OBITS{1'b0}} : old[gp*OBITS +: OBITS]) + xe;
    end
  endgenerate
  always @(posedge clk) if (fire) acc[cf] <= nv;
  always @(posedge clk) begin
    if (!rst_n) begin
      pix <= 0; cf <= 0; out_valid <= 1'b0;
    end else begin
      if (out_valid & out_ready) out_valid <= 1'b0;
      if (fire) begin
        if (pix == NPIX - 1) begin out_data <= nv; out_valid <= 1'b1; end
        if (cf != CF - 1) cf <= cf + 1;
        else begin
          cf <= 0;
          pix <= (pix != NPIX - 1) ? pix + 1 : 0;
        end
      end
    end
  end
endmodule
