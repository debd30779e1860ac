#!/usr/bin/python3
"""Dump the nodes of an ONNX model (op_type, name, domain, non-tensor
attributes) to JSON, so the C kernel tests can replay FINN's own node
attributes.  Usage: dump_hw_attrs.py MODEL.onnx OUT.json.  Exit 77 (skip)
when this Python has no onnx module."""
import json
import sys

try:
    import onnx
    from onnx import AttributeProto
except ImportError:
    sys.stderr.write("dump_hw_attrs: python onnx module not available\n")
    sys.exit(77)


def value(a):
    t = a.type
    if t == AttributeProto.INT:
        return a.i
    if t == AttributeProto.INTS:
        return list(a.ints)
    if t == AttributeProto.STRING:
        return a.s.decode("utf-8")
    if t == AttributeProto.STRINGS:
        return [s.decode("utf-8") for s in a.strings]
    if t == AttributeProto.FLOAT:
        return a.f
    if t == AttributeProto.FLOATS:
        return list(a.floats)
    return None  # tensors, graphs: not node attributes a kernel reads


def main():
    model = onnx.load(sys.argv[1])
    nodes = []
    for n in model.graph.node:
        attrs = {}
        for a in n.attribute:
            v = value(a)
            if v is not None:
                attrs[a.name] = v
        nodes.append({"name": n.name, "op_type": n.op_type, "domain": n.domain,
                      "inputs": list(n.input), "outputs": list(n.output), "attrs": attrs})
    with open(sys.argv[2], "w") as f:
        json.dump({"model": sys.argv[1], "nodes": nodes}, f, indent=1)


if __name__ == "__main__":
    main()
