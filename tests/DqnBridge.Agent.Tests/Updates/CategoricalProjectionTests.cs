using DqnBridge.Agent.FastPath;
using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Updates;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Tests.Updates;

/// <summary>
/// C51's projection against examples worked by hand, on the support -2, -1, 0, 1, 2 (delta_z = 1): the reference path's
/// tensor version (<see cref="CategoricalTdLoss.Project"/>) and the fused path's managed one (<see cref="CategoricalKernels.Project"/>).
/// </summary>
[TestClass]
public sealed class CategoricalProjectionTests
{
    private const float Tolerance = 1e-5f;

    // (reward, discount, done, next pmf, expected projection)
    private static IEnumerable<object[]> Examples =>
    [
        // Tz = 1 + 0.5 z = 0, 0.5, 1, 1.5, 2, so b = 2, 2.5, 3, 3.5, 4: b = 2, 3 and 4 are integers (l == u, all mass
        // to that atom; 4 is the top atom), 2.5 and 3.5 split half and half.
        // atom 2: 0.1 + 0.2/2 = 0.2; atom 3: 0.2/2 + 0.3 + 0.25/2 = 0.525; atom 4: 0.25/2 + 0.15 = 0.275.
        [1f, 0.5f, 0f, new[] { 0.1f, 0.2f, 0.3f, 0.25f, 0.15f }, new[] { 0f, 0f, 0.2f, 0.525f, 0.275f }],
        // Tz = 3 + 0.99 z = 1.02, 2.01, 3, 3.99, 4.98, clamped to v_max = 2 from the second atom on: b = 3.02, 4, 4, 4, 4.
        // atom 3: (4 - 3.02) * 0.2 = 0.196; atom 4: (3.02 - 3) * 0.2 + 4 * 0.2 = 0.804.
        [3f, 0.99f, 0f, new[] { 0.2f, 0.2f, 0.2f, 0.2f, 0.2f }, new[] { 0f, 0f, 0f, 0.196f, 0.804f }],
        // Terminal: Tz = r = -3 for every atom (1 - done = 0), clamped to v_min = -2: b = 0, all mass on the bottom atom.
        [-3f, 0.99f, 1f, new[] { 0.1f, 0.2f, 0.3f, 0.25f, 0.15f }, new[] { 1f, 0f, 0f, 0f, 0f }],
        // Terminal inside the support: Tz = 0.25, b = 2.25: 0.75 to atom 2 and 0.25 to atom 3, whatever the next pmf.
        [0.25f, 0.99f, 1f, new[] { 0f, 0f, 0f, 0f, 1f }, new[] { 0f, 0f, 0.75f, 0.25f, 0f }],
    ];

    [TestMethod]
    [DynamicData(nameof(Examples))]
    public void TensorProjectionMatchesTheHandWorkedExample(float reward, float discount, float done, float[] nextPmf, float[] expected)
    {
        using var support = new CategoricalSupport(5, -2, 2);
        using var rewards = tensor(new[] { reward });
        using var discounts = tensor(new[] { discount });
        using var dones = tensor(new[] { done });
        using var pmf = tensor(nextPmf).reshape(1, 5);
        using var projected = CategoricalTdLoss.Project(support, rewards, discounts, dones, pmf);

        AssertClose(expected, projected.data<float>().ToArray());
    }

    [TestMethod]
    [DynamicData(nameof(Examples))]
    public void ManagedProjectionMatchesTheHandWorkedExample(float reward, float discount, float done, float[] nextPmf, float[] expected)
    {
        var target = new float[5];
        CategoricalKernels.Project(reward, discount * (1 - done), nextPmf, [-2f, -1f, 0f, 1f, 2f], target);

        AssertClose(expected, target);
    }

    [TestMethod]
    public void ProjectionKeepsEachTransitionsMassApartInABatch()
    {
        // Two transitions in one index_add_: row 1's atoms must not land in row 0.
        using var support = new CategoricalSupport(5, -2, 2);
        using var rewards = tensor(new[] { 1f, -3f });
        using var discounts = tensor(new[] { 0.5f, 0.99f });
        using var dones = tensor(new[] { 0f, 1f });
        using var pmf = tensor(new[] { 0.1f, 0.2f, 0.3f, 0.25f, 0.15f, 0.1f, 0.2f, 0.3f, 0.25f, 0.15f }).reshape(2, 5);
        using var projected = CategoricalTdLoss.Project(support, rewards, discounts, dones, pmf);

        AssertClose([0f, 0f, 0.2f, 0.525f, 0.275f, 1f, 0f, 0f, 0f, 0f], projected.data<float>().ToArray());
    }

    [TestMethod]
    public void SupportIsLinspaceAndQIsTheExpectation()
    {
        using var support = new CategoricalSupport(5, -2, 2);
        CollectionAssert.AreEqual(new[] { -2f, -1f, 0f, 1f, 2f }, support.On(CPU).data<float>().ToArray());

        // Logits ln(1), ln(3) over atoms... one action, equal logits: uniform, Q = 0; one-hot-ish logits on the top atom: Q near 2.
        using var logits = tensor(new[] { 0f, 0f, 0f, 0f, 0f, -50f, -50f, -50f, -50f, 50f }).reshape(1, 2, 5);
        using var q = support.ExpectedValues(logits);
        var values = q.data<float>().ToArray();
        Assert.AreEqual(0f, values[0], Tolerance);
        Assert.AreEqual(2f, values[1], Tolerance);
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], Tolerance, $"atom {i}: expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]");
        }
    }
}
