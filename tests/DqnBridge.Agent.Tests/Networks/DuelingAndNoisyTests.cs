using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Replay;
using DqnBridge.Agent.Training;
using DqnBridge.Agent.Updates;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Tests.Networks;

/// <summary>The dueling aggregation and the factorised noisy layer against values worked by hand.</summary>
[TestClass]
public sealed class DuelingAndNoisyTests
{
    private const float Tolerance = 1e-6f;

    [TestMethod]
    public void DuelingAggregationSubtractsTheMeanAdvantage()
    {
        // V = 10, A = (1, 2, 6), mean 3: Q = 10 + (1, 2, 6) - 3 = (8, 9, 13).
        using var values = tensor(new[] { 10f }).reshape(1, 1, 1);
        using var advantages = tensor(new[] { 1f, 2f, 6f }).reshape(1, 3, 1);
        using var q = DuelingHead.Aggregate(values, advantages);

        CollectionAssert.AreEqual(new[] { 8f, 9f, 13f }, q.data<float>().ToArray());
    }

    [TestMethod]
    public void DuelingAggregationIsPerAtom()
    {
        // Two atoms: each atom's advantages are centred on their own mean. Atom 0: V 1, A (0, 4) mean 2 -> (-1, 3);
        // atom 1: V -1, A (3, 1) mean 2 -> (0, -2). Layout (actions, atoms).
        using var values = tensor(new[] { 1f, -1f }).reshape(1, 1, 2);
        using var advantages = tensor(new[] { 0f, 3f, 4f, 1f }).reshape(1, 2, 2);
        using var q = DuelingHead.Aggregate(values, advantages);

        CollectionAssert.AreEqual(new[] { -1f, 0f, 3f, -2f }, q.data<float>().ToArray());
    }

    [TestMethod]
    public void DuelingNetworkComputesVPlusCentredA()
    {
        // No hidden layer: the streams read the observation x. V(x) = 2x + 1, A(x) = (1, 2, 3) x.
        // x = 1: V 3, A (1, 2, 3) mean 2 -> (2, 3, 4); x = 2: V 5, A (2, 4, 6) mean 4 -> (3, 5, 7).
        using var network = QNetwork.Mlp(1, 3, [], new QHead(Dueling: true));
        using (no_grad())
        {
            var streams = network.named_modules().Where(m => m.name.StartsWith("_dueling.", StringComparison.Ordinal)).Select(m => (Linear)m.module).ToArray();
            Assert.HasCount(2, streams, "a value and an advantage stream");
            streams[0].weight!.copy_(tensor(new[] { 2f }).reshape(1, 1));
            streams[0].bias!.copy_(tensor(new[] { 1f }));
            streams[1].weight!.copy_(tensor(new[] { 1f, 2f, 3f }).reshape(3, 1));
            streams[1].bias!.zero_();
        }
        using var q = network.forward(tensor(new[] { 1f, 2f }).reshape(2, 1));

        CollectionAssert.AreEqual(new[] { 2f, 3f, 4f, 3f, 5f, 7f }, q.data<float>().ToArray());
    }

    [TestMethod]
    public void NatureCnnTakesEveryComponentAndTrains()
    {
        // c51 + dueling + noisy on the CNN: Q per action from the atoms, noisy fc layers and streams, and one reference update moves the weights.
        random.manual_seed(3);
        var config = new DqnConfig
        {
            Network = NetworkKind.NatureCnn,
            Distributional = Distributional.C51,
            NAtoms = 11,
            VMin = -5,
            VMax = 5,
            Dueling = true,
            Noisy = true,
            BatchSize = 4,
        };
        var head = QHead.Of(config);
        using var q = QNetwork.NatureCnn([4, 84, 84], 3, head);
        using var target = q.CreateSibling();
        Assert.HasCount(3, q.NoisyLayers(), "fc0 and the two streams");
        using var frames = randint(0, 256, [2, 4, 84, 84], ScalarType.Byte);
        using (var values = q.forward(frames))
        {
            CollectionAssert.AreEqual(new long[] { 2, 3 }, values.shape);
        }
        using (var logits = q.Logits(frames))
        {
            CollectionAssert.AreEqual(new long[] { 2, 3, 11 }, logits.shape);
        }

        var noise = new FactorisedNoise(seed: 5);
        using var update = DqnUpdates.Create(config, q, target, CPU, noise);
        Assert.AreEqual(UpdatePath.Reference, update.Path);
        update.UpdateTarget(1.0);
        using var batch = new DqnBatch(4, [4, 84, 84], ScalarType.Byte);
        batch.Observations.copy_(randint(0, 256, [4, 4, 84, 84], ScalarType.Byte));
        batch.NextObservations.copy_(randint(0, 256, [4, 4, 84, 84], ScalarType.Byte));
        batch.Rewards.copy_(tensor(new[] { 1f, 0f, -1f, 1f }));
        var before = q.parameters().First().data<float>().ToArray();
        var statistics = update.Step(batch, withStatistics: true);

        Assert.IsTrue(float.IsFinite(statistics.Loss) && statistics.Loss > 0, $"a cross-entropy, got {statistics.Loss}");
        CollectionAssert.AreNotEqual(before, q.parameters().First().data<float>().ToArray(), "the update moved the weights");
    }

    [TestMethod]
    public void NoiseShapeIsSignedSquareRoot()
    {
        Assert.AreEqual(2f, NoisyLinear.Shape(4), Tolerance);
        Assert.AreEqual(-2f, NoisyLinear.Shape(-4), Tolerance);
        Assert.AreEqual(0.5f, NoisyLinear.Shape(0.25), Tolerance);
        Assert.AreEqual(0f, NoisyLinear.Shape(0), Tolerance);
    }

    [TestMethod]
    public void FactorisedNoiseIsTheOuterProductOfShapedDraws()
    {
        using var layer = new NoisyLinear(2, 3, sigma0: 0.5);
        // Input draws (4, -1) shape to (2, -1); output draws (1, -4, 0.25) to (1, -2, 0.5).
        layer.SetNoise([4, -1], [1, -4, 0.25]);

        CollectionAssert.AreEqual(new[] { 2f, -1f, -4f, 2f, 1f, -0.5f }, layer.WeightEpsilon!.data<float>().ToArray());
        CollectionAssert.AreEqual(new[] { 1f, -2f, 0.5f }, layer.BiasEpsilon!.data<float>().ToArray());

        // With mu = 0 and sigma = 1, y = eps_w x + eps_b; x = (1, 1): (2 - 1 + 1, -4 + 2 - 2, 1 - 0.5 + 0.5).
        var parameters = layer.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using (no_grad())
        {
            parameters["weight_mu"].zero_();
            parameters["bias_mu"].zero_();
            parameters["weight_sigma"].fill_(1);
            parameters["bias_sigma"].fill_(1);
        }
        using var x = tensor(new[] { 1f, 1f }).reshape(1, 2);
        using (var y = layer.forward(x))
        {
            CollectionAssert.AreEqual(new[] { 2f, -4f, 1f }, y.data<float>().ToArray());
        }

        // Without noise the layer is its mean: 0 here.
        layer.UseMeanWeights();
        using var mean = layer.forward(x);
        CollectionAssert.AreEqual(new[] { 0f, 0f, 0f }, mean.data<float>().ToArray());
    }

    [TestMethod]
    public void NoisyLayerStartsAsFortunatoEtAlInitialiseIt()
    {
        random.manual_seed(1);
        using var layer = new NoisyLinear(16, 4, sigma0: 0.5);
        var parameters = layer.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        CollectionAssert.AreEquivalent(new[] { "weight_mu", "weight_sigma", "bias_mu", "bias_sigma" }, parameters.Keys.ToArray());

        // sigma = sigma0 / sqrt(inputs) = 0.5 / 4; mu uniform within 1 / sqrt(inputs) = 0.25.
        Assert.IsTrue(parameters["weight_sigma"].data<float>().ToArray().All(v => v == 0.125f));
        Assert.IsTrue(parameters["bias_sigma"].data<float>().ToArray().All(v => v == 0.125f));
        Assert.IsTrue(parameters["weight_mu"].data<float>().ToArray().All(v => Math.Abs(v) <= 0.25f));
        Assert.IsTrue(parameters["bias_mu"].data<float>().ToArray().All(v => Math.Abs(v) <= 0.25f));
    }

    [TestMethod]
    public void NoiseDrawsAreStandardNormalAndReproducible()
    {
        var draws = new double[200_000];
        new FactorisedNoise(seed: 7).Fill(draws);
        double mean = draws.Average();
        double variance = draws.Select(d => (d - mean) * (d - mean)).Average();
        Assert.AreEqual(0, mean, 0.01, "mean");
        Assert.AreEqual(1, variance, 0.01, "variance");
        Assert.AreEqual(0.6827, draws.Count(d => Math.Abs(d) < 1) / (double)draws.Length, 0.005, "share within one sigma");

        var again = new double[draws.Length];
        new FactorisedNoise(seed: 7).Fill(again);
        CollectionAssert.AreEqual(draws, again);
    }

    [TestMethod]
    public void EveryFullyConnectedLayerIsNoisyAndEvaluationUsesTheMean()
    {
        random.manual_seed(2);
        using var network = QNetwork.Mlp(4, 2, [8, 8], new QHead(Noisy: true, Dueling: true));
        Assert.HasCount(4, network.NoisyLayers(), "two hidden layers, the value and the advantage streams");

        using var x = rand(3, 4);
        using var meanQ = network.forward(x);
        new FactorisedNoise(seed: 1).Resample(network);
        using var noisyQ = network.forward(x);
        network.UseMeanWeights();
        using var meanAgain = network.forward(x);

        CollectionAssert.AreNotEqual(meanQ.data<float>().ToArray(), noisyQ.data<float>().ToArray(), "noise changes Q");
        CollectionAssert.AreEqual(meanQ.data<float>().ToArray(), meanAgain.data<float>().ToArray(), "the mean weights give back the noiseless Q");
    }
}
