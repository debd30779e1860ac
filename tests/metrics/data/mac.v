// mac.v - a tiny multiply-accumulate design for the metrics tests: real
// Yosys / nextpnr / icetime / Verilator runs produce the reports parsed.
module mac(input clk, input rst, input [7:0] a, input [7:0] b,
           output reg [15:0] acc, output reg [3:0] cnt);
  always @(posedge clk) begin
    if (rst) begin acc <= 0; cnt <= 0; end
    else begin acc <= acc + a * b; cnt <= cnt + 1; end
  end
endmodule
