"""nbgrader configuration: the course's source notebooks live in solutions/, releases in labs/."""

c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "labs"
c.CourseDirectory.course_id = "vae-chem"
