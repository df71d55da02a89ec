using Python.Runtime;

namespace DqnBridge.Python;

/// <summary>The few Python functions this layer defines for itself, in one module made on first use (under the GIL).</summary>
internal static class BridgeModule
{
    private const string Source =
        "import ctypes, json, math\n" +
        "import numpy as np\n" +
        "\n" +
        "def view(address, nbytes, dtype, shape):\n" +
        "    \"\"\"A NumPy array over nbytes of .NET-owned memory at address: no copy, no ownership.\"\"\"\n" +
        "    dtype = np.dtype(dtype)\n" +
        "    shape = tuple(int(d) for d in shape)\n" +
        "    if int(np.prod(shape, dtype=np.int64)) * dtype.itemsize != nbytes:\n" +
        "        raise ValueError(f'{nbytes} bytes at {address:#x} do not hold {dtype} {shape}')\n" +
        "    if nbytes == 0:\n" +
        "        return np.zeros(shape, dtype)\n" +
        "    return np.frombuffer((ctypes.c_char * nbytes).from_address(address), dtype=dtype).reshape(shape)\n" +
        "\n" +
        "def plain_json(value):\n" +
        "    \"\"\"JSON of plain data; non-finite floats become the strings 'inf', '-inf' and 'nan', which JSON lacks.\"\"\"\n" +
        "    def clean(v):\n" +
        "        if isinstance(v, float) and not math.isfinite(v):\n" +
        "            return repr(v)\n" +
        "        if isinstance(v, dict):\n" +
        "            return {str(k): clean(x) for k, x in v.items()}\n" +
        "        if isinstance(v, (list, tuple)):\n" +
        "            return [clean(x) for x in v]\n" +
        "        return v\n" +
        "    return json.dumps(clean(value))\n";

    private static PyModule? module;
    private static PyObject? view;
    private static PyObject? plainJson;

    /// <summary>view(address, nbytes, dtype, shape).</summary>
    public static PyObject View => view ??= Module.GetAttr("view");

    /// <summary>plain_json(value).</summary>
    public static PyObject PlainJson => plainJson ??= Module.GetAttr("plain_json");

    private static PyModule Module => module ??= PyModule.FromString("dqnbridge_bridge", Source);
}
