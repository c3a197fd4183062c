// TorchSharp tests share native state (threads, default dtype); run them serially.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
