namespace PriorTransfer.Models;

/// <summary>A backbone that maps images to a feature vector of fixed size.</summary>
public interface IFeatureExtractor
{
    int FeatureDimension { get; }
}
